// An exception in transform() errors both sides of a TransformStream.
export default {
  async fetch() {
    const ts_ = new TransformStream({ transform() { throw new RangeError("bad"); } });
    const w = ts_.writable.getWriter();
    const r = ts_.readable.getReader();
    const write = await t(() => w.write("x"));
    return respond({ write, read: await t(() => r.read()), writeAgain: await t(() => w.write("y")) });
  },
};
