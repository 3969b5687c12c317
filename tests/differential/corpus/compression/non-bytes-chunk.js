// A string written to a CompressionStream (not a BufferSource): workerd compresses its UTF-8 bytes; the write settles before any read.
export default {
  async fetch() {
    const cs = new CompressionStream("gzip");
    const w = cs.writable.getWriter();
    const r = cs.readable.getReader();
    const write = await t(() => w.write("a string"));
    return respond({ write, read: await t(() => r.read()) });
  },
};
