// abort(reason) keeps any value as the reason; throwIfAborted() throws it.
export default {
  async fetch() {
    const c = new AbortController();
    const err = new RangeError("r");
    c.abort(err);
    const c2 = new AbortController();
    c2.abort("text");
    let thrown;
    try { c.signal.throwIfAborted(); } catch (e) { thrown = e === err; }
    return respond({
      same: c.signal.reason === err, thrown, string: c2.signal.reason,
      notAborted: ts(() => new AbortController().signal.throwIfAborted()),
      stringThrow: ts(() => c2.signal.throwIfAborted()),
    });
  },
};
