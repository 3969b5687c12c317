// A header value with a character above U+00FF (a ByteString would throw TypeError; workerd accepts it).
export default {
  async fetch() {
    const h = new Headers();
    return respond({ set: ts(() => h.set("x-wide", "\u20ac")), init: ts(() => new Headers({ a: "\u0100" })) });
  },
};
