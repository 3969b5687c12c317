// The "abort" event that AbortController.abort() fires is dispatched by the platform: isTrusted is true.
export default {
  async fetch() {
    const c = new AbortController();
    let trusted;
    c.signal.addEventListener("abort", (e) => { trusted = e.isTrusted; });
    c.abort();
    return respond({ trusted, constructed: new Event("x").isTrusted });
  },
};
