// A new Response's default attributes.
export default {
  async fetch() {
    const r = new Response();
    return respond({
      status: r.status, statusText: r.statusText, ok: r.ok, headers: [...r.headers], body: r.body,
      bodyUsed: r.bodyUsed, type: r.type, url: r.url, redirected: r.redirected,
      tag: Object.prototype.toString.call(r),
    });
  },
};
