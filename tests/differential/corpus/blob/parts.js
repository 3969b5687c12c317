// A Blob from strings, bytes, ArrayBuffers, views and other Blobs.
export default {
  async fetch() {
    const inner = new Blob(["in"]);
    const b = new Blob(["a\u00e9", bytesOf(0x62), bytesOf(0x63).buffer, new DataView(bytesOf(0x64, 0x65).buffer, 1), inner, 7]);
    return respond({ size: b.size, type: b.type, text: await b.text(), hex: hex(await b.arrayBuffer()), empty: new Blob().size });
  },
};
