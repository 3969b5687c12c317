// A reader locks the stream; a second reader throws TypeError until releaseLock().
export default {
  async fetch() {
    const s = new ReadableStream({ start(c) { c.enqueue("x"); c.enqueue("y"); c.close(); } });
    const r1 = s.getReader();
    const first = await r1.read();
    const second = ts(() => s.getReader());
    const lockedBefore = s.locked;
    r1.releaseLock();
    const r2 = s.getReader();
    return respond({
      first, second, lockedBefore, rest: await r2.read(),
      readAfterRelease: await t(() => r1.read()),
      cancelLocked: await t(() => s.cancel()),
    });
  },
};
