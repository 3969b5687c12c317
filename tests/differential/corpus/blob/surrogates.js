// String parts are converted to UTF-8 as USVStrings (lone surrogates become U+FFFD).
export default {
  async fetch() {
    return respond({ hex: hex(await new Blob(["a\ud800b", "\udc00"]).arrayBuffer()) });
  },
};
