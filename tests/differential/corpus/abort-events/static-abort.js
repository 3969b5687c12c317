// AbortSignal.abort() is already aborted; new AbortSignal() is not allowed.
export default {
  async fetch() {
    const s = AbortSignal.abort();
    const r = AbortSignal.abort(42);
    return respond({
      aborted: s.aborted, reason: [s.reason.name, s.reason instanceof DOMException], custom: r.reason,
      construct: ts(() => new AbortSignal()),
      isEventTarget: s instanceof EventTarget,
    });
  },
};
