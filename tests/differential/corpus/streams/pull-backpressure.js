// pull() is called to fill the queue up to the high-water mark; desiredSize follows the queue.
export default {
  async fetch() {
    const log = [];
    let n = 0;
    let controller;
    const s = new ReadableStream(
      {
        start(c) { controller = c; log.push(["start", c.desiredSize]); },
        pull(c) { n++; log.push(["pull", n, c.desiredSize]); c.enqueue(n); if (n === 4) c.close(); },
      },
      { highWaterMark: 2 },
    );
    await new Promise((r) => setTimeout(r, 0));
    log.push(["before read", controller.desiredSize]);
    const r = s.getReader();
    const values = [];
    for (;;) {
      const { done, value } = await r.read();
      if (done) break;
      values.push(value);
    }
    return respond({ log, values });
  },
};
