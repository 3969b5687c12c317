// new Request(request, init) copies the request and applies init.
export default {
  async fetch() {
    const base = new Request("https://example.com/a", { method: "POST", body: "orig", headers: { "x-a": "1" }, redirect: "manual" });
    const copy = new Request(base, { headers: { "x-b": "2" } });
    const other = new Request("https://example.com/b", { method: "PUT", body: "other" });
    const replaced = new Request(other, { body: "new" });
    const noBody = new Request(new Request("https://example.com/c"), { method: "POST" });
    return respond({
      copy: [copy.url, copy.method, copy.redirect, [...copy.headers], await copy.text()],
      baseUsed: base.bodyUsed,
      baseRead: await t(() => base.text()),
      replaced: [await replaced.text(), other.bodyUsed],
      noBody: [noBody.method, noBody.body],
      badRedirect: ts(() => new Request("https://example.com/", { redirect: "bogus" })),
    });
  },
};
