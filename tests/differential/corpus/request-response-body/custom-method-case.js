// Only DELETE, GET, HEAD, OPTIONS, POST and PUT are upper-cased; other methods keep their case.
export default {
  async fetch() {
    const m = (method) => new Request("https://example.com/", { method }).method;
    return respond({ purge: m("Purge"), patch: m("patch"), report: m("report") });
  },
};
