// structuredClone (HTML "StructuredSerializeWithTransfer"/"StructuredDeserializeWithTransfer").
function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}
function dataCloneError(fn, what) {
  try { fn(); } catch (e) {
    if (e instanceof DOMException && e.name === "DataCloneError" && e.code === 25) return;
    throw new Error(`${what}: wrong error ${e}`);
  }
  throw new Error(`${what}: did not throw`);
}

export function unserialisableValuesThrowDataCloneError() {
  const cases = {
    function: () => 1, symbol: Symbol("s"), weakMap: new WeakMap(), weakSet: new WeakSet(), weakRef: new WeakRef({}),
    promise: Promise.resolve(), nestedFunction: { f() {} }, symbolObject: Object(Symbol("s")), headers: new Headers(),
    request: new Request("https://example.com/"), abortSignal: new AbortController().signal, url: new URL("https://example.com/"),
    inMap: new Map([[1, () => 1]]), inArray: [1, Symbol("x")],
  };
  for (const [what, value] of Object.entries(cases)) dataCloneError(() => structuredClone(value), what);
  let threw = false;
  try { structuredClone(); } catch (e) { threw = e instanceof TypeError; }
  eq(threw, true, "no argument");
}

export function serialisableValues() {
  class A { constructor() { this.x = 1; } get y() { return 2; } }
  const a = structuredClone(new A());
  eq([Object.getPrototypeOf(a) === Object.prototype, a], [true, { x: 1 }]);
  const o = { m: new Map([["k", 1]]), s: new Set([1, 2]), d: new Date(5), r: /a+/gi, n: [1, , 3], big: 10n, neg: -0 };
  o.self = o;
  o.m.set(o, o.s);
  const c = structuredClone(o);
  eq([c.self === c, c.m.get(c) === c.s, c.m.get("k"), [...c.s], c.d.getTime(), c.r.source, c.r.flags, 1 in c.n, c.n.length, c.big === 10n, Object.is(c.neg, -0)],
    [true, true, 1, [1, 2], 5, "a+", "gi", false, 3, true, true]);
  eq(structuredClone([new Number(1), new String("s"), new Boolean(false), Object(2n)]).map((x) => [typeof x, x.valueOf().toString()]),
    [["object", "1"], ["object", "s"], ["object", "false"], ["object", "2"]]);
  const e = structuredClone(new RangeError("bad", { cause: { why: 1 } }));
  eq([e instanceof RangeError, e.name, e.message, e.cause], [true, "RangeError", "bad", { why: 1 }]);
  const custom = new Error("x");
  custom.name = "Custom";
  eq(structuredClone(custom).name, "Error", "an unknown error name becomes Error");
  const d = structuredClone(new DOMException("m", "AbortError"));
  eq([d instanceof DOMException, d.name, d.message, d.code], [true, "AbortError", "m", 20]);
  const buffer = new Uint8Array([1, 2, 3, 4]).buffer;
  const views = structuredClone({ u: new Uint16Array(buffer, 2, 1), v: new DataView(buffer, 1, 2), buffer });
  eq([views.u.buffer === views.buffer, views.v.buffer === views.buffer, views.u.byteOffset, views.u.length, views.v.byteLength, new Uint8Array(views.buffer)],
    [true, true, 2, 1, 2, { 0: 1, 1: 2, 2: 3, 3: 4 }]);
  eq(buffer.byteLength, 4, "not transferred: the original stays");
  const resizable = structuredClone(new ArrayBuffer(2, { maxByteLength: 8 }));
  eq([resizable.resizable, resizable.maxByteLength, resizable.byteLength], [true, 8, 2]);
}

export async function blobsAndFilesClone() {
  const b = structuredClone(new Blob(["abc"], { type: "text/plain" }));
  eq([b instanceof Blob, b.type, await b.text()], [true, "text/plain", "abc"]);
  const f = structuredClone(new File(["xyz"], "n.txt", { type: "text/x", lastModified: 7 }));
  eq([f instanceof File, f.name, f.type, f.lastModified, await f.text()], [true, "n.txt", "text/x", 7, "xyz"]);
}

export function transferDetaches() {
  const buf = new Uint8Array([1, 2, 3]).buffer;
  const copy = structuredClone(buf, { transfer: [buf] });
  eq([buf.byteLength, buf.detached, copy.byteLength, [...new Uint8Array(copy)]], [0, true, 3, [1, 2, 3]]);
  const b2 = new Uint8Array([1, 2, 3]).buffer;
  const out = structuredClone({ view: new Uint8Array(b2, 1), again: b2 }, { transfer: [b2] });
  eq([b2.byteLength, out.view.buffer === out.again, [...out.view]], [0, true, [2, 3]]);
  // a transfer of a buffer that is not in the value still detaches it
  const b3 = new ArrayBuffer(2);
  structuredClone(1, { transfer: [b3] });
  eq(b3.byteLength, 0);
  // errors: nothing is detached
  const b4 = new ArrayBuffer(4);
  dataCloneError(() => structuredClone({ b4, f() {} }, { transfer: [b4] }), "unserialisable value");
  eq(b4.byteLength, 4, "a failed clone transfers nothing");
  dataCloneError(() => structuredClone(b4, { transfer: [b4, b4] }), "listed twice");
  dataCloneError(() => structuredClone(1, { transfer: [{}] }), "not transferable");
  dataCloneError(() => structuredClone(1, { transfer: [buf] }), "already detached");
  dataCloneError(() => structuredClone(buf), "a detached buffer");
  eq(b4.byteLength, 4);
}
