// Lone surrogates are encoded as U+FFFD (USVString conversion).
export default {
  async fetch() {
    const enc = new TextEncoder();
    return respond({
      high: hex(enc.encode("\ud800a")),
      low: hex(enc.encode("a\udc00")),
      reversed: hex(enc.encode("\udc00\ud800")),
      pair: hex(enc.encode("\ud800\udc00")),
    });
  },
};
