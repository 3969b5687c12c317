// reader.closed resolves when the stream closes; releaseLock() rejects it with TypeError.
export default {
  async fetch() {
    let controller;
    const s = new ReadableStream({ start(c) { controller = c; } });
    const r = s.getReader();
    const order = [];
    const closed = r.closed.then(() => order.push("closed"));
    controller.enqueue("x");
    order.push((await r.read()).value);
    controller.close();
    await closed;
    const s2 = new ReadableStream();
    const r2 = s2.getReader();
    const closed2 = r2.closed;
    r2.releaseLock();
    return respond({ order, released: await t(() => closed2) });
  },
};
