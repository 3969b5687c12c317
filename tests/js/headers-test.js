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
  throwsType(() => new Headers([["only-one"]]), "bad pair");
  for (const name of ["a b", "a:b", "(", "a\tb", "a\u007f", "x\"y"]) throwsType(() => h.set(name, "v"), `name ${JSON.stringify(name)}`);
}

export function namesAndValuesAsWorkerdTakesThem() {
  // workerd accepts what a ByteString and the token rule would refuse: an empty name, names with characters outside
  // ASCII, values with characters above U+00FF (a lone surrogate becomes U+FFFD)
  const h = new Headers({ "": "empty", "\u00c9": "upper", "\u00e9": "lower" });
  h.set("x-wide", "\u2603 \u{1f600}");
  h.append("x-lone", "a\ud800");
  eq([h.get(""), h.get("\u00c9"), h.get("\u00e9"), h.get("x-wide"), h.get("x-lone")],
    ["empty", "upper", "lower", "\u2603 \u{1f600}", "a\ufffd"], "only A-Z are lower-cased in names");
  eq([...h.keys()], ["", "x-lone", "x-wide", "\u00c9", "\u00e9"]);
}

export function iteratorsWalkASnapshot() {
  const h = new Headers({ a: "1", b: "2", c: "3" });
  const seen = [];
  for (const [name] of h) {
    seen.push(name);
    if (name === "a") { h.delete("b"); h.set("d", "4"); }
  }
  eq(seen, ["a", "b", "c"], "the list as it was when iteration started (workerd)");
  const keys = h.keys();
  h.set("0", "first");
  eq([...keys], ["a", "c", "d"], "made before the change");
  // workerd's iterator classes; @@iterator is a function of its own
  eq([h.entries(), h.keys(), h.values(), h[Symbol.iterator]()].map((i) => Object.prototype.toString.call(i)),
    ["[object EntryIterator]", "[object KeyIterator]", "[object ValueIterator]", "[object EntryIterator]"]);
  eq(Headers.prototype[Symbol.iterator] === Headers.prototype.entries, false);
  const proto = Object.getPrototypeOf(h.entries());
  eq([proto.constructor.name, Object.getPrototypeOf(proto) === Object.getPrototypeOf(Object.getPrototypeOf([].values()))], ["EntryIterator", true]);
  throwsType(() => new proto.constructor(), "not constructible");
  throwsType(() => proto.next.call({}), "next() on another object");
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
