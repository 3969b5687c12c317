// addEventListener(..., {signal}) removes the listener when the signal aborts; an aborted signal adds nothing.
export default {
  async fetch() {
    const et = new EventTarget();
    const c = new AbortController();
    let n = 0;
    et.addEventListener("x", () => n++, { signal: c.signal });
    et.dispatchEvent(new Event("x"));
    c.abort();
    et.dispatchEvent(new Event("x"));
    let m = 0;
    et.addEventListener("x", () => m++, { signal: AbortSignal.abort() });
    et.dispatchEvent(new Event("x"));
    return respond({ n, m });
  },
};
