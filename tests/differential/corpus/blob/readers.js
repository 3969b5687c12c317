// text(), arrayBuffer(), bytes() and stream() of one Blob.
export default {
  async fetch() {
    const b = new Blob([bytesOf(0xe2, 0x82, 0xac, 0xff)]);
    const bytes = b.bytes ? await b.bytes() : undefined;
    const chunks = await readAll(b.stream());
    return respond({
      text: Array.from(await b.text(), (c) => c.codePointAt(0).toString(16)),
      arrayBuffer: hex(await b.arrayBuffer()),
      bytes: bytes === undefined ? "no bytes()" : [Object.prototype.toString.call(bytes), hex(bytes)],
      streamChunksAreBytes: chunks.every((c) => c instanceof Uint8Array),
      streamHex: chunks.map(hex).join(""),
    });
  },
};
