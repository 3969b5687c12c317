// A new Request's attributes.
export default {
  async fetch() {
    const r = new Request("https://Example.com:443/a/../b?x#frag");
    return respond({
      method: r.method, url: r.url, headers: [...r.headers], body: r.body, bodyUsed: r.bodyUsed,
      redirect: r.redirect,       tag: Object.prototype.toString.call(r),
      relative: ts(() => new Request("/relative")),
    });
  },
};
