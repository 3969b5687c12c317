// Writing a chunk that is not a BufferSource is a TypeError.
export default {
  async fetch() {
    const cs = new CompressionStream("gzip");
    const w = cs.writable.getWriter();
    const r = cs.readable.getReader();
    const write = await t(() => w.write("a string"));
    return respond({ write, read: await t(() => r.read()) });
  },
};
