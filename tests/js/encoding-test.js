function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}
function throws(fn, check, what) {
  try { fn(); } catch (e) { if (check(e)) return; throw new Error(`${what}: wrong error ${e}`); }
  throw new Error(`${what}: did not throw`);
}

export function utf8RoundTrip() {
  const bytes = new TextEncoder().encode("a€😀");
  eq([...bytes], [97, 226, 130, 172, 240, 159, 152, 128]);
  eq(new TextDecoder().decode(bytes), "a€😀");
  eq(new TextEncoder().encoding, "utf-8");
  eq(new TextEncoder().encode("\ud800").length, 3, "lone surrogate → U+FFFD");
}

export function decoderOptions() {
  eq(new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), "A", "BOM stripped");
  eq(new TextDecoder("utf-8", { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), "\ufeffA");
  eq(new TextDecoder().decode(new Uint8Array([0xff])), "\ufffd");
  throws(() => new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff])), (e) => e instanceof TypeError, "fatal");
  eq(new TextDecoder("UTF8").encoding, "utf-8");
  throws(() => new TextDecoder("no-such-encoding"), (e) => e instanceof RangeError, "label");
}

export function streamingDecode() {
  const d = new TextDecoder();
  const euro = new TextEncoder().encode("€");
  let out = d.decode(euro.subarray(0, 1), { stream: true });
  out += d.decode(euro.subarray(1), { stream: true });
  out += d.decode();
  eq(out, "€");
}

export function base64() {
  eq(btoa("hello"), "aGVsbG8=");
  eq(atob("aGVsbG8="), "hello");
  eq(atob(" aGVs bG8 "), "hello");
  eq(atob("aGVsbG8"), "hello");
  eq(btoa("\xff\x00"), "/wA=");
  throws(() => btoa("☃"), (e) => e instanceof DOMException && e.name === "InvalidCharacterError" && e.code === 5, "btoa");
  throws(() => atob("a"), (e) => e instanceof DOMException && e.name === "InvalidCharacterError", "atob");
  throws(() => atob("a*=="), (e) => e instanceof DOMException, "atob char");
}

export function domException() {
  const e = new DOMException("m", "AbortError");
  eq([e.name, e.message, e.code, e instanceof Error, DOMException.ABORT_ERR], ["AbortError", "m", 20, true, 20]);
  eq(new DOMException("x", { name: "DataCloneError" }).code, 25);
}

export function structuredCloneWorks() {
  const src = { a: [1, { b: "c" }], d: new Date(5), m: new Map([["k", 1]]), s: new Set([1]), u: new Uint8Array([1, 2]) };
  src.self = src;
  const c = structuredClone(src);
  eq(c !== src && c.self === c, true, "cycle");
  eq([c.a, c.d.getTime(), [...c.m], [...c.s], [...c.u]], [[1, { b: "c" }], 5, [["k", 1]], [1], [1, 2]]);
  throws(() => structuredClone({ f() {} }), (e) => e instanceof DOMException && e.name === "DataCloneError", "function");
}

export function globalsAreNotEnumerable() {
  const keys = Object.keys(globalThis).filter((k) => !["setTimeout", "clearTimeout", "__timer_manager"].includes(k));
  eq(keys, [], "enumerable globals");
  eq(typeof globalThis.__edgeworker, "object");
  eq(navigator.userAgent, "Cloudflare-Workers");
}

export function legacyAndUtf16Decoders() {
  const bytes = new Uint8Array([0x80, 0x41, 0xe9, 0x00]);
  eq(new TextDecoder("utf-16le").decode(new Uint8Array([0x41, 0x00, 0xac, 0x20])), "A€");
  eq(new TextDecoder("utf-16le").encoding, "utf-16le");
  eq(new TextDecoder("utf-16").encoding, "utf-16le");
  eq(new TextDecoder("utf-16be").decode(new Uint8Array([0x00, 0x41])), "A");
  for (const label of ["latin1", "iso-8859-1", "ascii", "windows-1252", "us-ascii"]) {
    const d = new TextDecoder(label);
    eq([d.encoding, d.decode(bytes)], ["windows-1252", "€Aé\u0000"], label);
  }
  eq(new TextDecoder("utf-16le").decode(new Uint8Array([0xff, 0xfe, 0x41, 0x00])), "A", "BOM removed");
  eq(new TextDecoder("utf-16le", { ignoreBOM: true }).decode(new Uint8Array([0xff, 0xfe, 0x41, 0x00])), "\ufeffA");
  const streaming = new TextDecoder("utf-16le");
  eq(streaming.decode(new Uint8Array([0x41]), { stream: true }) + streaming.decode(new Uint8Array([0x00])), "A");
  throws(() => new TextDecoder("utf-16le", { fatal: true }).decode(new Uint8Array([0x00, 0xd8])), (e) => e instanceof TypeError, "fatal lone surrogate");
  for (const label of ["shift_jis", "gbk", "nope", "replacement"]) {
    throws(() => new TextDecoder(label), (e) => e instanceof RangeError, label);
  }
  eq(new TextDecoder() instanceof TextDecoder, true);
}

export function base64Errors() {
  for (const bad of ["a", "a*==", "ab=c", "abcde"]) {
    throws(() => atob(bad), (e) => e instanceof DOMException && e.name === "InvalidCharacterError" && e.code === 5, `atob(${bad})`);
  }
  eq(atob(" YW Jj\n"), "abc");
  eq(atob("YQ"), "a");
  throws(() => btoa("€"), (e) => e.name === "InvalidCharacterError", "btoa non-latin1");
  eq(btoa("\u00ff"), "/w==");
}
