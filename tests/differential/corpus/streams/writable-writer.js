// WritableStreamDefaultWriter: desiredSize, ready, write, close, and writes after close.
export default {
  async fetch() {
    const written = [];
    const ws = new WritableStream({ write(chunk) { written.push(chunk); } }, { highWaterMark: 3 });
    const w = ws.getWriter();
    const sizes = [w.desiredSize];
    w.write("a");
    sizes.push(w.desiredSize);
    await w.ready;
    await w.write("b");
    sizes.push(w.desiredSize);
    await w.close();
    return respond({
      written, sizes, locked: ws.locked,
      afterClose: await t(() => w.write("c")),
      secondWriter: ts(() => ws.getWriter()),
    });
  },
};
