// URLPattern: test() and exec() with named groups.
export default {
  async fetch() {
    if (typeof URLPattern !== "function") return respond({ urlpattern: "missing" });
    const p = new URLPattern({ pathname: "/books/:id(\\d+)/:rest*" });
    const m = p.exec("https://example.com/books/42/a/b");
    return respond({
      test: [p.test("https://example.com/books/42"), p.test("https://example.com/books/x")],
      groups: m && m.pathname.groups,
      pathname: p.pathname,
      hostPattern: new URLPattern("https://*.example.com/*").test("https://api.example.com/x"),
      invalid: ts(() => new URLPattern({ pathname: "/(" })),
    });
  },
};
