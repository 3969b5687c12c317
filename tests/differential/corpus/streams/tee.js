// tee() gives two branches that each see every chunk.
export default {
  async fetch() {
    const s = new ReadableStream({ start(c) { c.enqueue("a"); c.enqueue("b"); c.close(); } });
    const [x, y] = s.tee();
    const [ax, ay] = await Promise.all([readAll(x), readAll(y)]);
    return respond({ ax, ay, locked: s.locked });
  },
};
