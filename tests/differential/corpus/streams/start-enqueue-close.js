// A ReadableStream filled in start(): reads in order, then done.
export default {
  async fetch() {
    const s = new ReadableStream({ start(c) { c.enqueue("a"); c.enqueue(2); c.enqueue({ k: 3 }); c.close(); } });
    const r = s.getReader();
    const reads = [];
    for (let i = 0; i < 5; i++) reads.push(await r.read());
    return respond({ reads, closed: (await r.closed) === undefined });
  },
};
