// Headers from a record, a sequence of pairs and another Headers; bad pairs throw TypeError.
export default {
  async fetch() {
    const fromRecord = new Headers({ A: "1", b: "2" });
    const fromPairs = new Headers([["c", "3"], ["C", "4"]]);
    const fromHeaders = new Headers(fromRecord);
    fromRecord.set("a", "changed");
    const map = new Map([["m", "v"]]);
    return respond({
      record: [...fromRecord],
      pairs: [...fromPairs],
      copy: [...fromHeaders],
      map: [...new Headers(map)],
      shortPair: ts(() => new Headers([["a"]])),
      longPair: ts(() => new Headers([["a", "b", "c"]])),
      notIterable: ts(() => new Headers([1])),
      string: ts(() => new Headers("a")),
      nullInit: ts(() => [...new Headers(null)]),
      undefinedInit: [...new Headers(undefined)],
    });
  },
};
