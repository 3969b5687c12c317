// controller.error(e): pending and later reads reject with e; closed rejects.
export default {
  async fetch() {
    let controller;
    const s = new ReadableStream({ start(c) { controller = c; } });
    const r = s.getReader();
    const pending = r.read();
    controller.error(new RangeError("boom"));
    return respond({
      pending: await t(() => pending),
      later: await t(() => r.read()),
      closed: await t(() => r.closed),
      throwInStart: await t(() => new ReadableStream({ start() { throw new SyntaxError("s"); } }).getReader().read()),
      enqueueAfterClose: ts(() => new ReadableStream({ start(c) { c.close(); c.enqueue(1); } })),
    });
  },
};
