// digest() of an unknown algorithm rejects with NotSupportedError; bad data with TypeError.
export default {
  async fetch() {
    return respond({
      unknown: await t(() => crypto.subtle.digest("SHA-3", new Uint8Array(1))),
      string: await t(() => crypto.subtle.digest("SHA-256", "abc")),
    });
  },
};
