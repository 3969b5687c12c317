// URLSearchParams: parsing, append/set/delete, sort, serialisation (space as +).
export default {
  async fetch() {
    const p = new URLSearchParams("?a=1&b=x+y&a=2&c=%26&d");
    const before = [p.get("a"), p.getAll("a"), p.get("b"), p.get("c"), p.get("d"), p.has("a", "2"), p.size];
    p.append("e", "sp ace/é");
    p.set("a", "3");
    p.delete("b");
    p.sort();
    return respond({
      before, after: p.toString(), entries: [...p],
      fromRecord: new URLSearchParams({ x: "1", y: "2" }).toString(),
      fromPairs: new URLSearchParams([["k", "v"]]).toString(),
      deleteValue: (() => { const q = new URLSearchParams("a=1&a=2"); q.delete("a", "1"); return q.toString(); })(),
    });
  },
};
