// Every Request has a signal: a new AbortSignal, or one following the signal given in init.
export default {
  async fetch(request) {
    const c = new AbortController();
    const r = new Request("https://example.com/", { signal: c.signal });
    const before = r.signal.aborted;
    c.abort();
    return respond({
      incoming: ts(() => request.signal instanceof AbortSignal),
      plain: ts(() => [new Request("https://example.com/").signal instanceof AbortSignal, new Request("https://example.com/").signal.aborted]),
      follows: ts(() => [before, r.signal.aborted]),
    });
  },
};
