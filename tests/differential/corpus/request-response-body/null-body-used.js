// A null body is never "used": bodyUsed stays false and it can be read again.
export default {
  async fetch() {
    const r = new Response();
    const first = await r.text();
    const req = new Request("https://example.com/");
    return respond({
      first, usedAfter: r.bodyUsed, second: await t(() => r.text()),
      request: [await req.text(), req.bodyUsed, await t(() => req.arrayBuffer().then((b) => b.byteLength))],
    });
  },
};
