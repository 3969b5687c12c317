// Invalid header names and values throw TypeError; values are trimmed of HTTP whitespace.
export default {
  async fetch() {
    const h = new Headers();
    h.set("x-ws", " \t padded \t ");
    return respond({
      space: ts(() => new Headers({ "bad name": "x" })),
      colon: ts(() => new Headers({ "a:b": "x" })),
      newlineValue: ts(() => new Headers({ a: "x\ny" })),
      crValue: ts(() => new Headers({ a: "x\ry" })),
      nulValue: ts(() => new Headers({ a: "x\0y" })),
      trimmed: h.get("x-ws"),
      getInvalid: ts(() => h.get("bad name")),
      hasInvalid: ts(() => h.has("a b")),
    });
  },
};
