// WebIDL details: brand checks of iterator methods, required arguments, pair iterators (as workerd makes them),
// trusted platform events.
function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}
function throwsType(fn, what) {
  try { fn(); } catch (e) { if (e instanceof TypeError) return; throw new Error(`${what}: wrong error ${e}`); }
  throw new Error(`${what}: did not throw`);
}

export function headersIteratorsCheckThis() {
  for (const m of ["keys", "values", "entries", "forEach"]) {
    throwsType(() => Headers.prototype[m].call({}, () => {}), `Headers.prototype.${m}`);
    throwsType(() => Headers.prototype[m].call(new FormData(), () => {}), `Headers.prototype.${m} on a FormData`);
  }
  eq([...new Headers({ b: "2", a: "1" }).keys()], ["a", "b"]);
}

export function formDataRequiredArgumentsAndIterators() {
  const f = new FormData();
  f.append("a", "1");
  f.append("b", "2");
  for (const m of ["get", "getAll", "has", "delete"]) throwsType(() => f[m](), `FormData.${m}()`);
  throwsType(() => f.append("a"), "append with one argument");
  throwsType(() => f.set("a"), "set with one argument");
  for (const m of ["get", "has", "keys", "values", "entries"]) throwsType(() => FormData.prototype[m].call({}, "a"), `FormData.prototype.${m}`);
  eq([f.get("a"), f.has("b"), f.has("c"), f.getAll("a")], ["1", true, false, ["1"]]);
  // workerd's iterators: @@iterator is a function of its own and the classes are EntryIterator, KeyIterator and
  // ValueIterator (WebIDL: @@iterator is entries() and the class string "FormData Iterator")
  eq(FormData.prototype[Symbol.iterator] === FormData.prototype.entries, false);
  const it = f.entries();
  eq([it, f.keys(), f.values(), f[Symbol.iterator]()].map((i) => Object.prototype.toString.call(i)),
    ["[object EntryIterator]", "[object KeyIterator]", "[object ValueIterator]", "[object EntryIterator]"]);
  eq(it.next(), { value: ["a", "1"], done: false });
  f.append("c", "3"); // the iterators see the live list, as in workerd
  eq([...it], [["b", "2"], ["c", "3"]]);
  eq([[...f.keys()], [...f.values()]], [["a", "b", "c"], ["1", "2", "3"]]);
  eq(typeof it[Symbol.iterator], "function");
}

export function platformEventsAreTrusted() {
  const c = new AbortController();
  const seen = [];
  c.signal.addEventListener("abort", (e) => seen.push(e.isTrusted));
  c.signal.onabort = (e) => seen.push(e.isTrusted);
  c.abort();
  const any = AbortSignal.any([new AbortController().signal]);
  eq(seen, [true, true]);
  eq(new Event("x").isTrusted, false, "a script's event");
  const t = new EventTarget();
  let mine;
  t.addEventListener("abort", (e) => { mine = e.isTrusted; });
  t.dispatchEvent(new Event("abort"));
  eq(mine, false, "a script's dispatch");
  eq(any.aborted, false);
}

export function webApiFunctionsHaveLengthZero() {
  // workerd gives every Web API function, constructor and method length 0 (WebIDL would count the required
  // arguments); the lazily loaded classes (streams, URLPattern) too
  const classes = ["AbortController", "AbortSignal", "Blob", "ByteLengthQueuingStrategy", "CompressionStream",
    "CountQueuingStrategy", "Crypto", "CryptoKey", "CustomEvent", "DecompressionStream", "Event", "EventTarget",
    "File", "FixedLengthStream", "FormData", "Headers", "ReadableStream", "ReadableStreamBYOBReader",
    "ReadableStreamDefaultReader", "Request", "Response", "SubtleCrypto", "TextDecoder", "TextDecoderStream",
    "TextEncoder", "URL", "URLPattern", "URLSearchParams", "WritableStream", "WritableStreamDefaultWriter"];
  const nonZero = [];
  const check = (what, fn) => { if (fn.length !== 0) nonZero.push(`${what}: ${fn.length}`); };
  for (const name of classes) {
    const C = globalThis[name];
    check(name, C);
    for (const holder of [C, C.prototype]) {
      for (const key of Reflect.ownKeys(holder)) {
        const d = Object.getOwnPropertyDescriptor(holder, key);
        if (typeof d.value === "function" && key !== "constructor") check(`${name}.${String(key)}`, d.value);
      }
    }
  }
  for (const name of ["fetch", "atob", "btoa", "structuredClone", "setTimeout", "queueMicrotask", "addEventListener", "reportError"]) check(name, globalThis[name]);
  for (const [what, fn] of [["console.assert", console.assert], ["console.table", console.table], ["scheduler.wait", scheduler.wait]]) check(what, fn);
  eq(nonZero, []);
}
