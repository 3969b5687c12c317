// MIME types (WHATWG MIME Sniffing §4): parsing and serialising, and Fetch's "extract a MIME type" from a
// header list (used by body.blob()). No globals.
import { primordials } from "./00_infra.js";

const { StringPrototypeToLowerCase, StringPrototypeCharCodeAt, StringPrototypeSlice, RegExpPrototypeTest,
  ArrayPrototypePush } = primordials;

// Parameters are an array of [name, value] pairs in order, names unique.
function paramIndex(parameters, name) {
  for (let i = 0; i < parameters.length; i++) if (parameters[i][0] === name) return i;
  return -1;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const QUOTED_STRING_TOKEN = /^[\t\x20-\x7e\x80-\xff]*$/;

function isHttpWhitespace(c) { return c === 0x09 || c === 0x0a || c === 0x0d || c === 0x20; }

function trimHttpWhitespace(s) {
  let start = 0, end = s.length;
  while (start < end && isHttpWhitespace(StringPrototypeCharCodeAt(s, start))) start++;
  while (end > start && isHttpWhitespace(StringPrototypeCharCodeAt(s, end - 1))) end--;
  return StringPrototypeSlice(s, start, end);
}

function trimTrailingHttpWhitespace(s) {
  let end = s.length;
  while (end > 0 && isHttpWhitespace(StringPrototypeCharCodeAt(s, end - 1))) end--;
  return StringPrototypeSlice(s, 0, end);
}

/** Fetch "collect an HTTP quoted string" at s[pos.i] (a quote); the value, or the raw text if !extract. */
function collectQuotedString(s, pos, extract) {
  const start = pos.i;
  let value = "";
  pos.i++;
  for (;;) {
    let j = pos.i;
    while (j < s.length && s[j] !== "\"" && s[j] !== "\\") j++;
    value += StringPrototypeSlice(s, pos.i, j);
    pos.i = j;
    if (pos.i >= s.length) break;
    const quoteOrBackslash = s[pos.i];
    pos.i++;
    if (quoteOrBackslash === "\\") {
      if (pos.i >= s.length) { value += "\\"; break; }
      value += s[pos.i];
      pos.i++;
    } else {
      break;
    }
  }
  return extract ? value : StringPrototypeSlice(s, start, pos.i);
}

/** MIME Sniffing "parse a MIME type": { type, subtype, parameters: [[name, value], ...] } or null on failure. */
export function parseMimeType(input) {
  const s = trimHttpWhitespace(input);
  const pos = { i: 0 };
  let j = 0;
  while (j < s.length && s[j] !== "/") j++;
  const type = StringPrototypeSlice(s, 0, j);
  if (type === "" || !RegExpPrototypeTest(TOKEN, type)) return null;
  if (j >= s.length) return null;
  pos.i = j + 1;
  j = pos.i;
  while (j < s.length && s[j] !== ";") j++;
  const subtype = trimTrailingHttpWhitespace(StringPrototypeSlice(s, pos.i, j));
  if (subtype === "" || !RegExpPrototypeTest(TOKEN, subtype)) return null;
  pos.i = j;
  const mime = { type: StringPrototypeToLowerCase(type), subtype: StringPrototypeToLowerCase(subtype), parameters: [] };
  while (pos.i < s.length) {
    pos.i++; // the ";"
    while (pos.i < s.length && isHttpWhitespace(StringPrototypeCharCodeAt(s, pos.i))) pos.i++;
    j = pos.i;
    while (j < s.length && s[j] !== ";" && s[j] !== "=") j++;
    const name = StringPrototypeToLowerCase(StringPrototypeSlice(s, pos.i, j));
    pos.i = j;
    if (pos.i < s.length) {
      if (s[pos.i] === ";") continue;
      pos.i++; // the "="
    }
    if (pos.i >= s.length) break;
    let value;
    if (s[pos.i] === "\"") {
      value = collectQuotedString(s, pos, true);
      while (pos.i < s.length && s[pos.i] !== ";") pos.i++;
    } else {
      j = pos.i;
      while (j < s.length && s[j] !== ";") j++;
      value = trimTrailingHttpWhitespace(StringPrototypeSlice(s, pos.i, j));
      pos.i = j;
      if (value === "") continue;
    }
    if (name !== "" && RegExpPrototypeTest(TOKEN, name) && RegExpPrototypeTest(QUOTED_STRING_TOKEN, value) &&
        paramIndex(mime.parameters, name) === -1) {
      ArrayPrototypePush(mime.parameters, [name, value]);
    }
  }
  return mime;
}

/** MIME Sniffing "serialize a MIME type". */
export function serializeMimeType(mime) {
  let out = mime.type + "/" + mime.subtype;
  for (let p = 0; p < mime.parameters.length; p++) {
    const name = mime.parameters[p][0], value = mime.parameters[p][1];
    out += ";" + name + "=";
    if (value === "" || !RegExpPrototypeTest(TOKEN, value)) {
      let quoted = "\"";
      for (let i = 0; i < value.length; i++) quoted += value[i] === "\"" || value[i] === "\\" ? "\\" + value[i] : value[i];
      out += quoted + "\"";
    } else {
      out += value;
    }
  }
  return out;
}

/** Fetch "getting, decoding, and splitting" a combined header value: split at commas outside quoted strings. */
function splitHeaderValue(input) {
  const values = [];
  const pos = { i: 0 };
  let value = "";
  for (;;) {
    let j = pos.i;
    while (j < input.length && input[j] !== "\"" && input[j] !== ",") j++;
    value += StringPrototypeSlice(input, pos.i, j);
    pos.i = j;
    if (pos.i < input.length && input[pos.i] === "\"") {
      value += collectQuotedString(input, pos, false);
      if (pos.i < input.length) continue;
    }
    ArrayPrototypePush(values, trimHttpWhitespace(value));
    if (pos.i >= input.length) break;
    pos.i++; // the ","
    value = "";
  }
  return values;
}

/** Fetch "extract a MIME type" from a combined Content-Type value (or null): the MIME type, or null on failure. */
export function extractMimeType(headerValue) {
  if (headerValue === null) return null;
  let charset = null, essence = null, mime = null;
  const values = splitHeaderValue(headerValue);
  for (let i = 0; i < values.length; i++) {
    const parsed = parseMimeType(values[i]);
    if (parsed === null || (parsed.type === "*" && parsed.subtype === "*")) continue;
    mime = parsed;
    const e = parsed.type + "/" + parsed.subtype;
    if (e !== essence) {
      const at = paramIndex(parsed.parameters, "charset");
      charset = at === -1 ? null : parsed.parameters[at][1];
      essence = e;
    } else if (paramIndex(parsed.parameters, "charset") === -1 && charset !== null) {
      ArrayPrototypePush(parsed.parameters, ["charset", charset]);
    }
  }
  return mime;
}

