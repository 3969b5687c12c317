// A TransformStream without a transformer passes chunks through unchanged.
export default {
  async fetch() {
    const { readable, writable } = new TransformStream();
    const w = writable.getWriter();
    w.write("x");
    w.write(bytesOf(1, 2));
    w.close();
    const chunks = await readAll(readable);
    return respond({ first: chunks[0], second: hex(chunks[1]), n: chunks.length });
  },
};
