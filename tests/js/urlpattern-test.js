function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}

export function matchAndGroups() {
  const p = new URLPattern({ pathname: "/books/:id(\\d+)" });
  eq(p.test("https://example.com/books/123"), true);
  eq(p.test("https://example.com/books/abc"), false);
  const m = p.exec("https://example.com/books/123?x#y");
  eq([m.pathname.groups, m.search.input, m.hash.input], [{ id: "123" }, "x", "y"]);
  eq(p.exec("https://example.com/nope"), null);
  const full = new URLPattern("https://:sub.example.com/*");
  eq(full.exec("https://api.example.com/a/b").hostname.groups, { sub: "api" });
  eq(new URLPattern("/x/*", "https://e.com").pathname, "/x/*");
  eq(new URLPattern({ pathname: "/A" }, { ignoreCase: true }).test({ pathname: "/a" }), true);
  eq(new URLPattern({ port: "80" }).test({ port: "8\t0" }), true, "input port is canonicalised");
}

export function errors() {
  let threw = false;
  try { new URLPattern({ pathname: "/(" }); } catch (e) { threw = e instanceof TypeError; }
  eq(threw, true);
  const d = Object.getOwnPropertyDescriptor(globalThis, "URLPattern");
  eq([typeof d.value, d.enumerable, d.writable], ["function", false, true]);
}
