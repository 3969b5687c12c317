// Names and string values are USVStrings: lone surrogates become U+FFFD.
export default {
  async fetch() {
    const f = new FormData();
    f.append("a\ud800", "v\udc00");
    const [[k, v]] = [...f];
    return respond({ k: Array.from(k, (c) => c.codePointAt(0).toString(16)), v: Array.from(v, (c) => c.codePointAt(0).toString(16)) });
  },
};
