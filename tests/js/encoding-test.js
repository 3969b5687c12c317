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
  // the labels of the "replacement" encoding and unknown labels
  for (const label of ["nope", "replacement", "hz-gb-2312", "iso-2022-kr", "cp949"]) {
    throws(() => new TextDecoder(label), (e) => e instanceof RangeError, label);
  }
  eq(new TextDecoder() instanceof TextDecoder, true);
}

const codePoints = (s) => Array.from(s, (c) => c.codePointAt(0).toString(16)).join(" ");

export async function legacyMultiByteDecoders() {
  // as workerd decodes them (the Encoding Standard's decoders and index tables)
  const cases = [
    ["shift_jis", [0x82, 0xa0, 0x41, 0xb1, 0x81, 0x5c, 0x87, 0x40, 0xed, 0x40], "3042 41 ff71 2015 2460 7e8a"],
    ["euc-jp", [0xa4, 0xa2, 0x8e, 0xb1, 0x8f, 0xb0, 0xa1], "3042 ff71 4e02"],
    ["iso-2022-jp", [0x1b, 0x24, 0x42, 0x24, 0x22, 0x1b, 0x28, 0x42, 0x41, 0x1b, 0x28, 0x4a, 0x5c, 0x7e, 0x1b, 0x28, 0x49, 0x31, 0x1b, 0x28, 0x42], "3042 41 a5 203e ff71"],
    ["gbk", [0xc4, 0xe3, 0xa2, 0xe3, 0xfe, 0x50], "4f60 20ac 2e81"],
    ["gb18030", [0x81, 0x30, 0x81, 0x30, 0x90, 0x30, 0x81, 0x30, 0x84, 0x31, 0xa4, 0x39], "80 10000 ffff"],
    ["big5", [0xa4, 0x40, 0x88, 0x62, 0xf9, 0xfe], "4e00 ca 304 ffed"],
    ["euc-kr", [0xb0, 0xa1, 0x81, 0x41, 0xc8, 0xfe], "ac00 ac02 d79d"],
  ];
  for (const [label, bytes, expected] of cases) {
    const d = new TextDecoder(label);
    eq([d.encoding, codePoints(d.decode(new Uint8Array(bytes)))], [label, expected], label);
  }
  const labels = { sjis: "shift_jis", "Windows-31J": "shift_jis", "x-euc-jp": "euc-jp", csiso2022jp: "iso-2022-jp",
    gb2312: "gbk", chinese: "gbk", "big5-hkscs": "big5", "ks_c_5601-1987": "euc-kr", " GB18030 ": "gb18030" };
  for (const [label, name] of Object.entries(labels)) eq(new TextDecoder(label).encoding, name, label);
  eq(codePoints(new TextDecoder("shift_jis").decode(new Uint8Array([0x82, 0x20, 0x41]))), "fffd 20 41", "an invalid trail byte");
  throws(() => new TextDecoder("shift_jis", { fatal: true }).decode(new Uint8Array([0x82, 0x20])), (e) => e instanceof TypeError, "fatal");
  const streaming = new TextDecoder("euc-kr");
  eq([streaming.decode(new Uint8Array([0xb0]), { stream: true }), streaming.decode(new Uint8Array([0xa1, 0xb0])), streaming.decode()],
    ["", "\uac00\ufffd", ""], "a character split between chunks, then one cut short");
  const stream = new Blob([new Uint8Array([0x82, 0xa0, 0x82])]).stream().pipeThrough(new TextDecoderStream("shift_jis"));
  let text = "";
  for await (const chunk of stream) text += chunk;
  eq(codePoints(text), "3042 fffd", "TextDecoderStream");
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
