// atob / btoa (HTML §8.3 "forgiving-base64"), hand-written: the spec is a few lines.
import { defineGlobal, primordials } from "./00_infra.js";
import { DOMException } from "./01_dom_exception.js";

const { String: Str, StringPrototypeCharCodeAt, StringPrototypeReplace, StringFromCharCode, ArrayPrototypePush,
  ArrayPrototypeJoin, RegExpPrototypeTest, TypeError: TypeErr } = primordials;

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

function btoa(data) {
  if (arguments.length === 0) throw new TypeErr("Failed to execute 'btoa': 1 argument required, but only 0 present.");
  const s = Str(data);
  const out = [];
  let i = 0;
  for (; i < s.length; i += 3) {
    const a = StringPrototypeCharCodeAt(s, i);
    const b = i + 1 < s.length ? StringPrototypeCharCodeAt(s, i + 1) : 0;
    const c = i + 2 < s.length ? StringPrototypeCharCodeAt(s, i + 2) : 0;
    if (a > 255 || b > 255 || c > 255) {
      throw new DOMException("The string to be encoded contains characters outside of the Latin1 range.", "InvalidCharacterError");
    }
    const n = (a << 16) | (b << 8) | c;
    ArrayPrototypePush(out, ALPHABET[(n >> 18) & 63] + ALPHABET[(n >> 12) & 63] +
      (i + 1 < s.length ? ALPHABET[(n >> 6) & 63] : "=") + (i + 2 < s.length ? ALPHABET[n & 63] : "="));
  }
  return ArrayPrototypeJoin(out, "");
}

function atob(data) {
  if (arguments.length === 0) throw new TypeErr("Failed to execute 'atob': 1 argument required, but only 0 present.");
  let s = StringPrototypeReplace(Str(data), /[\t\n\f\r ]/g, "");
  if (s.length % 4 === 0 && RegExpPrototypeTest(/==?$/, s)) s = StringPrototypeReplace(s, /==?$/, "");
  if (s.length % 4 === 1 || !RegExpPrototypeTest(/^[A-Za-z0-9+/]*$/, s)) {
    throw new DOMException("The string to be decoded is not correctly encoded.", "InvalidCharacterError");
  }
  const out = [];
  let buf = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    buf = (buf << 6) | DECODE[StringPrototypeCharCodeAt(s, i)];
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      ArrayPrototypePush(out, StringFromCharCode((buf >> bits) & 255));
    }
  }
  return ArrayPrototypeJoin(out, "");
}

defineGlobal("btoa", btoa);
defineGlobal("atob", atob);

// Bytes to and from base64, for host calls whose binary arguments and results travel as base64 in JSON.
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_DECODE = new Uint8Array(256).fill(255);
for (let i = 0; i < 64; i++) B64_DECODE[StringPrototypeCharCodeAt(B64, i)] = i;

export function toB64(bytes) {
  let out = "";
  let chunk = "";
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    chunk += B64[v >> 18] + B64[(v >> 12) & 63] + B64[(v >> 6) & 63] + B64[v & 63];
    if (chunk.length > 8192) { out += chunk; chunk = ""; }
  }
  if (i < n) {
    const v = (bytes[i] << 16) | (i + 1 < n ? bytes[i + 1] << 8 : 0);
    chunk += B64[v >> 18] + B64[(v >> 12) & 63] + (i + 1 < n ? B64[(v >> 6) & 63] : "=") + "=";
  }
  return out + chunk;
}

export function fromB64(s) {
  let len = s.length;
  while (len > 0 && s[len - 1] === "=") len--;
  const out = new Uint8Array((len * 3) >> 2);
  let o = 0, acc = 0, bits = 0;
  for (let i = 0; i < len; i++) {
    acc = (acc << 6) | B64_DECODE[StringPrototypeCharCodeAt(s, i)];
    bits += 6;
    if (bits >= 8) { bits -= 8; out[o++] = (acc >> bits) & 255; }
  }
  return out;
}
