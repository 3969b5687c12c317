// The global scope: class names kept through minification, `self`, the global's class string, reportError().
function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}

export function classNamesAreTheStandardOnes() {
  // WebIDL: an interface object's `name` is the interface's identifier.
  const names = ["Event", "CustomEvent", "EventTarget", "AbortController", "AbortSignal", "DOMException", "Headers", "Request",
    "Response", "Blob", "File", "FormData", "URL", "URLSearchParams", "URLPattern", "TextEncoder", "TextDecoder",
    "ReadableStream", "WritableStream", "TransformStream", "ReadableStreamDefaultReader", "ByteLengthQueuingStrategy",
    "TextEncoderStream", "TextDecoderStream", "CompressionStream", "DecompressionStream", "Crypto", "SubtleCrypto", "CryptoKey"];
  const wrong = names.filter((n) => globalThis[n].name !== n).map((n) => [n, globalThis[n].name]);
  eq(wrong, [], "class names");
  const fns = ["fetch", "atob", "btoa", "setTimeout", "setInterval", "clearTimeout", "clearInterval", "queueMicrotask", "structuredClone", "reportError"];
  eq(fns.filter((n) => globalThis[n].name !== n), [], "function names");
  let name;
  const c = new AbortController();
  c.signal.onabort = (e) => { name = e.constructor.name; };
  c.abort();
  eq(name, "Event");
  eq([new Headers().constructor.name, new Response().constructor.name, crypto.subtle.constructor.name], ["Headers", "Response", "SubtleCrypto"]);
}

export function selfIsTheGlobal() {
  eq(self === globalThis, true);
  eq(Object.prototype.toString.call(globalThis), "[object ServiceWorkerGlobalScope]");
  const d = Object.getOwnPropertyDescriptor(globalThis, "self");
  eq([d.writable, d.enumerable, d.configurable], [true, false, true]);
}

export function reportErrorLogsWithoutThrowing() {
  eq(typeof reportError, "function");
  eq(reportError.length, 0, "length 0, as in workerd");
  reportError(new TypeError("reported on purpose"));
  reportError("a string");
  let threw = false;
  try { reportError(); } catch (e) { threw = e instanceof TypeError; }
  eq(threw, true, "reportError() without its argument");
}
