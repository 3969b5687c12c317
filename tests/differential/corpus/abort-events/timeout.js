// AbortSignal.timeout(ms) aborts with a TimeoutError DOMException once the time has passed.
export default {
  async fetch() {
    const s = AbortSignal.timeout(5);
    const before = s.aborted;
    let fired = false;
    s.addEventListener("abort", () => { fired = true; });
    await new Promise((r) => setTimeout(r, 50));
    return respond({ before, after: s.aborted, fired, reason: s.reason && [s.reason.name, s.reason.code] });
  },
};
