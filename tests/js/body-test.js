function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}
async function rejectsType(promise, what) {
  try { await promise; } catch (e) { if (e instanceof TypeError) return; throw new Error(`${what}: wrong error ${e}`); }
  throw new Error(`${what}: did not reject`);
}
function throws(fn, cls, what) {
  try { fn(); } catch (e) { if (e instanceof cls) return; throw new Error(`${what}: wrong error ${e}`); }
  throw new Error(`${what}: did not throw`);
}

export async function incomingRequest({ request }) {
  eq(request.method, "POST");
  eq(request.url, "https://tests.example/incomingRequest");
  eq(request.cf, {});
  eq(request.bodyUsed, false);
  eq(await request.text(), "request body");
  eq(request.bodyUsed, true);
  await rejectsType(request.text(), "second read");
}

export async function bodyKinds() {
  eq(await new Response("héllo").text(), "héllo");
  eq([...(await new Response(new Uint8Array([1, 2, 255])).bytes())], [1, 2, 255]);
  eq([...new Uint8Array(await new Response(new Uint8Array([9, 8]).buffer).arrayBuffer())], [9, 8]);
  eq([...(await new Response(new DataView(new Uint8Array([0, 7, 0]).buffer, 1, 1)).bytes())], [7]);
  const form = new Response(new URLSearchParams({ a: "1 2", b: "&" }));
  eq(form.headers.get("content-type"), "application/x-www-form-urlencoded;charset=UTF-8");
  eq(await form.text(), "a=1+2&b=%26");
  eq(await new Response(null).text(), "");
  eq(new Response(null).body, null);
  eq(await new Response('{"a":[1]}').json(), { a: [1] });
  eq(new Response("x").headers.get("content-type"), "text/plain;charset=UTF-8");
}

export async function responseStatics() {
  const j = Response.json({ ok: true }, { status: 201 });
  eq(j.status, 201);
  eq(j.headers.get("content-type"), "application/json");
  eq(await j.json(), { ok: true });
  const r = Response.redirect("https://example.com/a", 301);
  eq([r.status, r.headers.get("location")], [301, "https://example.com/a"]);
  throws(() => Response.redirect("https://example.com/", 200), RangeError, "redirect status");
  const e = Response.error();
  eq([e.status, e.type, e.ok], [0, "error", false]);
}

export function responseValidation() {
  throws(() => new Response("x", { status: 99 }), RangeError, "status 99");
  throws(() => new Response("x", { status: 600 }), RangeError, "status 600");
  throws(() => new Response("x", { status: 204 }), TypeError, "204 with body");
  eq(new Response(null, { status: 204 }).status, 204);
  eq(new Response("x", { status: 404, statusText: "Nope" }).statusText, "Nope");
  eq(new Response("x").ok, true);
}

export async function cloneAndDisturbed() {
  const r = new Response("twice");
  const c = r.clone();
  eq(await r.text(), "twice");
  eq(await c.text(), "twice");
  throws(() => r.clone(), TypeError, "clone after use");
  const req = new Request("https://a.example/", { method: "PUT", body: "b" });
  const rc = req.clone();
  eq(await rc.text(), "b");
  eq(await req.text(), "b");
}

export async function requestConstruction() {
  const r = new Request("https://a.example/x?y", { method: "post", headers: { A: "1" }, body: "z" });
  eq([r.method, r.url, r.headers.get("a"), r.redirect], ["POST", "https://a.example/x?y", "1", "follow"]);
  eq(new Request("https://a.example/", { method: "patch" }).method, "PATCH");
  eq(new Request("https://a.example/", { method: "custom" }).method, "custom");
  throws(() => new Request("https://a.example/", { method: "GET", body: "x" }), TypeError, "GET with body");
  throws(() => new Request("/relative"), TypeError, "relative URL");
  throws(() => new Request("https://a.example/", { method: "bad method" }), TypeError, "bad method");
  const copy = new Request(r, { headers: { b: "2" } });
  eq([copy.method, copy.headers.get("b"), copy.headers.get("a")], ["POST", "2", null]);
  eq(await copy.text(), "z");
  eq(r.bodyUsed, true);
  eq(new Request("https://a.example/", { cf: { cacheTtl: 5 } }).cf, { cacheTtl: 5 });
}

export async function responseAsWorkerdMakesIt() {
  // a null-body status takes a body of length 0 and drops it (no Content-Type either); any other body is refused
  for (const [body, status] of [["", 204], [new Uint8Array(0), 205], [new Blob([], { type: "a/b" }), 304], [new URLSearchParams(), 204]]) {
    const r = new Response(body, { status });
    eq([r.status, r.body, r.headers.get("content-type"), await r.text()], [status, null, null, ""], `${status} with an empty body`);
  }
  throws(() => new Response(new ReadableStream(), { status: 204 }), TypeError, "204 with a stream (length unknown)");
  // Response.json() of what JSON.stringify cannot serialise answers the text "undefined"
  for (const value of [undefined, () => 1, Symbol("s")]) {
    const r = Response.json(value);
    eq([r.headers.get("content-type"), await r.text()], ["application/json", "undefined"], String(typeof value));
  }
  throws(() => Response.json(undefined, { status: 204 }), TypeError, "json with a null-body status");
  // Response.error()'s headers can be changed
  const e = Response.error();
  e.headers.set("x-a", "1");
  eq([...e.headers], [["x-a", "1"]]);
}

export function requestAsWorkerdMakesIt() {
  // the methods workerd knows are upper-cased in any case (TRACE is one), other tokens are kept
  const method = (m) => new Request("https://a.example/", { method: m }).method;
  eq(["purge", "Report", "trace", "mkcol", "custom", "m-search"].map(method), ["PURGE", "REPORT", "TRACE", "MKCOL", "custom", "m-search"]);
  for (const m of ["connect", "TRACK"]) throws(() => method(m), TypeError, m);
  // a URL with credentials is kept (fetch() does not send them)
  eq(new Request("https://u:p@a.example/").url, "https://u:p@a.example/");
}
