function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}
function throwsType(fn, what) {
  try { fn(); } catch (e) { if (e instanceof TypeError) return; throw new Error(`${what}: wrong error ${e}`); }
  throw new Error(`${what}: did not throw`);
}

export function caseInsensitiveAndCombined() {
  const h = new Headers({ "Content-Type": "text/plain" });
  h.append("X-Multi", "a");
  h.append("x-multi", "b");
  eq(h.get("content-type"), "text/plain");
  eq(h.get("X-MULTI"), "a, b");
  eq(h.has("x-Multi"), true);
  h.delete("X-multi");
  eq(h.get("x-multi"), null);
}

export function sortedLowercasedIteration() {
  const h = new Headers([["B", "2"], ["a", "1"], ["C", "3"], ["b", "4"]]);
  eq([...h], [["a", "1"], ["b", "2, 4"], ["c", "3"]]);
  eq([...h.keys()], ["a", "b", "c"]);
  eq([...h.values()], ["1", "2, 4", "3"]);
  const seen = [];
  h.forEach((v, k) => seen.push(k + "=" + v));
  eq(seen, ["a=1", "b=2, 4", "c=3"]);
}

export function setCookieStaysSeparate() {
  const h = new Headers();
  h.append("Set-Cookie", "a=1");
  h.append("Set-Cookie", "b=2");
  eq(h.getSetCookie(), ["a=1", "b=2"]);
  eq([...h], [["set-cookie", "a=1"], ["set-cookie", "b=2"]]);
  eq(h.get("set-cookie"), "a=1, b=2");
}

export function valuesAreTrimmedAndValidated() {
  const h = new Headers();
  h.set("x", "  padded\t");
  eq(h.get("x"), "padded");
  throwsType(() => h.set("bad name", "v"), "space in name");
  throwsType(() => h.set("x", "a\nb"), "newline in value");
  throwsType(() => h.set("x", "a\0b"), "NUL in value");
  throwsType(() => h.set("x", "☃"), "non-latin1 value");
  throwsType(() => new Headers([["only-one"]]), "bad pair");
}

export function immutableRequestHeaders({ request }) {
  eq(request.headers.get("x-test"), "headers-test.js");
  throwsType(() => request.headers.set("x", "y"), "immutable");
}

export function copiesFromHeaders() {
  const a = new Headers({ x: "1" });
  const b = new Headers(a);
  b.set("x", "2");
  eq(a.get("x"), "1");
  eq(Object.prototype.toString.call(a), "[object Headers]");
}

export function surviveArrayPrototypeTampering() {
  const push = Array.prototype.push;
  Array.prototype.push = () => { throw new Error("tampered"); };
  try {
    const h = new Headers();
    h.append("a", "1");
    h.append("b", "2");
    eq(h.get("a"), "1");
  } finally {
    Array.prototype.push = push;
  }
}
