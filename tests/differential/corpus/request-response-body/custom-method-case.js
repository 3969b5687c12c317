// Which methods are upper-cased (Fetch: DELETE, GET, HEAD, OPTIONS, POST, PUT; workerd: every method it knows).
export default {
  async fetch() {
    const m = (method) => new Request("https://example.com/", { method }).method;
    return respond({ purge: m("Purge"), patch: m("patch"), report: m("report") });
  },
};
