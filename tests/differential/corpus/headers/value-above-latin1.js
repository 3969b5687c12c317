// A header value is a ByteString: a character above U+00FF throws TypeError.
export default {
  async fetch() {
    const h = new Headers();
    return respond({ set: ts(() => h.set("x-wide", "\u20ac")), init: ts(() => new Headers({ a: "\u0100" })) });
  },
};
