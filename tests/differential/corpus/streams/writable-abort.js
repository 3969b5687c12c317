// abort(reason) reaches the sink; writes afterwards reject with the reason.
export default {
  async fetch() {
    let reason;
    const ws = new WritableStream({ abort(r) { reason = r; } });
    const w = ws.getWriter();
    await w.abort(new TypeError("stop"));
    return respond({ reason: reason instanceof TypeError, write: await t(() => w.write(1)), closed: await t(() => w.closed) });
  },
};
