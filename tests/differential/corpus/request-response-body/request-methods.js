// Method names are normalised (standard ones upper-cased), invalid ones throw TypeError, GET/HEAD take no body.
export default {
  async fetch() {
    const m = (method, init = {}) => ts(() => new Request("https://example.com/", { method, ...init }).method);
    return respond({
      get: m("get"), post: m("post"), del: m("delete"), patch: m("patch"),
      invalid: m("a b"), empty: m(""),
      getBody: m("GET", { body: "x" }), headBody: m("HEAD", { body: "x" }),
      postBody: m("POST", { body: "x" }), getNullBody: m("GET", { body: null }),
    });
  },
};
