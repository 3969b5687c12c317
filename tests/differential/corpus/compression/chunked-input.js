// Compressed input written one byte at a time decompresses the same.
const unhex = (h) => new Uint8Array(h.match(/../g).map((x) => parseInt(x, 16)));
export default {
  async fetch() {
    const bytes = unhex("1f8b0800000000000203cb48cdc9c957c8402293f3730b8a528b8b33f3f300e39c00511d000000");
    const ds = new DecompressionStream("gzip");
    const w = ds.writable.getWriter();
    const reading = readBytes(ds.readable);
    for (const b of bytes) await w.write(new Uint8Array([b]));
    await w.close();
    return respond({ text: new TextDecoder().decode(await reading) });
  },
};
