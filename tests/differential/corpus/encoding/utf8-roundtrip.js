// TextEncoder/TextDecoder round trip of BMP, astral and ASCII text.
export default {
  async fetch() {
    const text = "h\u00e9llo \u20ac \ud834\udd1e!";
    const bytes = new TextEncoder().encode(text);
    return respond({
      type: Object.prototype.toString.call(bytes),
      hex: hex(bytes),
      back: new TextDecoder().decode(bytes) === text,
      empty: hex(new TextEncoder().encode("")),
      noArg: hex(new TextEncoder().encode()),
      undef: hex(new TextEncoder().encode(undefined)),
    });
  },
};
