// getRandomValues(): returns its argument, fills it; quota (65536 bytes) and integer types enforced. randomUUID() format.
export default {
  async fetch() {
    const a = new Uint8Array(32);
    const same = crypto.getRandomValues(a) === a;
    const uuid = crypto.randomUUID();
    return respond({
      same, filled: a.some((b) => b !== 0),
      max: ts(() => crypto.getRandomValues(new Uint8Array(65536)).byteLength),
      tooBig: ts(() => crypto.getRandomValues(new Uint8Array(65537))),
      float: ts(() => crypto.getRandomValues(new Float32Array(1))),
      bigInt: ts(() => crypto.getRandomValues(new BigInt64Array(1)).length),
      uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(uuid),
      distinct: crypto.randomUUID() !== uuid,
    });
  },
};
