// TextEncoderStream and TextDecoderStream, with a multi-byte character split across chunks.
export default {
  async fetch() {
    const enc = new TextEncoderStream();
    const w = enc.writable.getWriter();
    w.write("a\u20ac");
    w.write("\ud83d");
    w.write("\ude00");
    w.close();
    const encoded = await readBytes(enc.readable);
    const dec = new TextDecoderStream();
    const w2 = dec.writable.getWriter();
    w2.write(bytesOf(0x61, 0xe2));
    w2.write(bytesOf(0x82, 0xac));
    w2.close();
    const decoded = (await readAll(dec.readable)).join("|");
    return respond({
      encoded: hex(encoded),
      decoded,
      encoding: [enc.encoding, dec.encoding, dec.fatal, dec.ignoreBOM],
    });
  },
};
