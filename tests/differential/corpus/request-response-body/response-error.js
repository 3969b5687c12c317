// Response.error(): a network error.
export default {
  async fetch() {
    const r = Response.error();
    return respond({ type: r.type, status: r.status, statusText: r.statusText, headers: [...r.headers], body: r.body });
  },
};
