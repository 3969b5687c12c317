// fetch() with an already aborted signal rejects with the signal's reason without sending anything.
export default {
  async fetch() {
    const c = new AbortController();
    c.abort();
    const custom = new AbortController();
    custom.abort(new RangeError("mine"));
    return respond({
      plain: await t(() => fetch("https://example.com/", { signal: c.signal })),
      custom: await t(() => fetch("https://example.com/", { signal: custom.signal })),
    });
  },
};
