// TextEncoder.encoding and encodeInto() with a destination that is too small for the whole input.
export default {
  async fetch() {
    const enc = new TextEncoder();
    const small = new Uint8Array(5);
    const r1 = enc.encodeInto("a\u20acbc", small);
    const exact = new Uint8Array(4);
    const r2 = enc.encodeInto("\ud834\udd1e", exact);
    const tooSmallForAstral = new Uint8Array(3);
    const r3 = enc.encodeInto("\ud834\udd1e", tooSmallForAstral);
    return respond({
      encoding: enc.encoding,
      r1: { read: r1.read, written: r1.written, bytes: hex(small) },
      r2: { read: r2.read, written: r2.written, bytes: hex(exact) },
      r3: { read: r3.read, written: r3.written },
      notView: ts(() => enc.encodeInto("a", [])),
    });
  },
};
