// abort() sets aborted and a default AbortError DOMException reason; a second abort() changes nothing.
export default {
  async fetch() {
    const c = new AbortController();
    const before = [c.signal.aborted, c.signal.reason];
    let events = 0;
    c.signal.addEventListener("abort", () => events++);
    c.abort();
    const reason = c.signal.reason;
    c.abort("again");
    return respond({
      before, aborted: c.signal.aborted,
      reason: [reason instanceof DOMException, reason.name, reason.code],
      sameReason: c.signal.reason === reason, events,
    });
  },
};
