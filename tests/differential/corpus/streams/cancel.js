// cancel(reason) reaches the source's cancel(); later reads are done.
export default {
  async fetch() {
    let got;
    const s = new ReadableStream({ start(c) { c.enqueue(1); }, cancel(reason) { got = reason; } });
    const r = s.getReader();
    const cancelResult = await r.cancel("why");
    const after = await r.read();
    const unlocked = new ReadableStream();
    return respond({ got, cancelResult: cancelResult === undefined, after, streamCancel: await t(() => unlocked.cancel()) });
  },
};
