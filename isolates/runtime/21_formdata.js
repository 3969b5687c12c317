// FormData (XHR Standard) and its body encodings (HTML: multipart/form-data; URL: urlencoded), used by
// 22_body.js to serialise `new Response(formData)` and to parse `formData()`.
//
// As in workerd, which Workers code is written against (the standards differ): the constructor ignores its
// argument; append/set(name, value, filename) with a value that is not a Blob keeps the value as a string and
// ignores the filename; a Blob appended without a filename becomes a File named after the entry; iterators are
// workerd's EntryIterator/KeyIterator/ValueIterator (still over the live list). The multipart/form-data encoding
// leaves newlines in values alone (HTML turns lone CR and LF into CRLF) and escapes LF, CR and `"` in names and
// filenames as %0A, %0D and %22 without normalising newlines first (workerd leaves a CR as it is, which would
// break the part's header line); it ends with the closing delimiter, with no CRLF after it.
import { defineGlobal, pairIterator, primordials } from "./00_infra.js";
import { Blob, File, blobBytes } from "./21_blob.js";
import { URLSearchParams } from "./10_url.js";

const { TypeError: TypeErr, String: Str, ArrayPrototypePush, ArrayPrototypeSplice, Uint8Array: U8, StringPrototypeReplace,
  StringPrototypeToLowerCase, StringPrototypeIndexOf, StringPrototypeSlice, SymbolIterator, RegExpPrototypeTest } = primordials;
const RegExpExec = primordials.uncurryThis(RegExp.prototype.exec);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function toUSV(s) { return Str(s).toWellFormed(); }

/** An entry's value (workerd): a Blob becomes a File, named `filename` if one is given, else after the entry. */
function entryValue(name, value, filename) {
  if (value instanceof Blob) {
    if (filename !== undefined) return new File([value], toUSV(filename), { type: value.type, lastModified: value.lastModified });
    return value instanceof File ? value : new File([value], name, { type: value.type });
  }
  return toUSV(value);
}

export class FormData {
  #entries = [];
  constructor(form = undefined) {
    void form; // a worker has no HTMLFormElement; workerd ignores whatever is passed
  }
  append(name, value, filename = undefined) {
    if (arguments.length < 2) throw new TypeErr("Failed to execute 'append' on 'FormData': 2 arguments required.");
    name = toUSV(name);
    ArrayPrototypePush(this.#entries, [name, entryValue(name, value, filename)]);
  }
  set(name, value, filename = undefined) {
    if (arguments.length < 2) throw new TypeErr("Failed to execute 'set' on 'FormData': 2 arguments required.");
    name = toUSV(name);
    const entry = [name, entryValue(name, value, filename)];
    let placed = false;
    for (let i = 0; i < this.#entries.length; i++) {
      if (this.#entries[i][0] !== name) continue;
      if (!placed) { this.#entries[i] = entry; placed = true; } else { ArrayPrototypeSplice(this.#entries, i, 1); i--; }
    }
    if (!placed) ArrayPrototypePush(this.#entries, entry);
  }
  delete(name) {
    this.#required(arguments.length, "delete");
    name = toUSV(name);
    for (let i = this.#entries.length - 1; i >= 0; i--) if (this.#entries[i][0] === name) ArrayPrototypeSplice(this.#entries, i, 1);
  }
  get(name) {
    this.#required(arguments.length, "get");
    name = toUSV(name);
    for (const [n, v] of this.#entries) if (n === name) return v;
    return null;
  }
  getAll(name) {
    this.#required(arguments.length, "getAll");
    name = toUSV(name);
    const out = [];
    for (const [n, v] of this.#entries) if (n === name) ArrayPrototypePush(out, v);
    return out;
  }
  has(name) {
    this.#required(arguments.length, "has");
    name = toUSV(name);
    for (let i = 0; i < this.#entries.length; i++) if (this.#entries[i][0] === name) return true;
    return false;
  }
  forEach(callback, thisArg = undefined) {
    if (typeof callback !== "function") throw new TypeErr("Failed to execute 'forEach' on 'FormData': parameter 1 is not a function.");
    for (let i = 0; i < this.#entries.length; i++) callback.call(thisArg, this.#entries[i][1], this.#entries[i][0], this);
  }
  // `this` is checked when the iterator is made; the iterator reads the live entry list (as in workerd).
  entries() { return pairIterator("entries", this.#entries); }
  keys() { return pairIterator("keys", this.#entries); }
  values() { return pairIterator("values", this.#entries); }
  [SymbolIterator]() { return pairIterator("entries", this.#entries); } // not entries() itself, as in workerd
  /** WebIDL: a required argument that is missing is a TypeError (checked after `this`). */
  #required(count, method) {
    if (!(#entries in this)) throw new TypeErr("Illegal invocation: 'this' is not a FormData object.");
    if (count < 1) throw new TypeErr(`Failed to execute '${method}' on 'FormData': 1 argument required, but only 0 present.`);
  }
  get [Symbol.toStringTag]() { return "FormData"; }
  static list(fd) { return fd.#entries; }
}
const formList = FormData.list;
delete FormData.list;

// ---- multipart/form-data ----------------------------------------------------------------

function escapeHeaderName(s) { return StringPrototypeReplace(s, /[\n\r"]/g, (c) => ({ "\n": "%0A", "\r": "%0D", '"': "%22" })[c]); }

/** Serialises a FormData: { bytes, contentType } (the multipart/form-data encoding, as workerd writes it). */
export function serializeMultipart(fd, randomHex) {
  const boundary = "----edgeworker-form-" + randomHex;
  const chunks = [];
  let total = 0;
  const add = (b) => { ArrayPrototypePush(chunks, b); total += b.length; };
  for (const [name, value] of formList(fd)) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeHeaderName(name)}"`;
    if (typeof value === "string") {
      add(encoder.encode(head + "\r\n\r\n" + value + "\r\n"));
    } else {
      head += `; filename="${escapeHeaderName(value.name)}"\r\nContent-Type: ${value.type || "application/octet-stream"}\r\n\r\n`;
      add(encoder.encode(head));
      add(blobBytes(value));
      add(encoder.encode("\r\n"));
    }
  }
  add(encoder.encode(`--${boundary}--`));
  const out = new U8(total);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return { bytes: out, contentType: `multipart/form-data; boundary=${boundary}` };
}

function indexOfBytes(hay, needle, from) {
  outer: for (let i = from; i <= hay.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const BOUNDARY = /;\s*boundary=(?:"([^"]+)"|([^;,\s]+))/i;
const DISPOSITION_PARAM = /;\s*([a-z*]+)="((?:[^"\\]|\\.)*)"|;\s*([a-z*]+)=([^;\s]*)/gi;

function fail() { return new TypeErr("Failed to parse the body as FormData."); }

/** Parses a body as FormData given its Content-Type (urlencoded or multipart/form-data). */
export function parseFormData(bytes, contentType) {
  const mime = StringPrototypeToLowerCase(StringPrototypeSlice(contentType, 0, (StringPrototypeIndexOf(contentType, ";") + 1 || contentType.length + 1) - 1)).trim();
  const fd = new FormData();
  if (mime === "application/x-www-form-urlencoded") {
    for (const [n, v] of new URLSearchParams(decoder.decode(bytes))) fd.append(n, v);
    return fd;
  }
  if (mime !== "multipart/form-data") throw new TypeErr(`Unrecognized Content-Type header value. FormData can only parse: multipart/form-data, application/x-www-form-urlencoded (got ${contentType || "none"}).`);
  const m = RegExpExec(BOUNDARY, contentType);
  if (m === null) throw fail();
  const delimiter = encoder.encode("--" + (m[1] ?? m[2]));
  let pos = indexOfBytes(bytes, delimiter, 0);
  if (pos === -1) throw fail();
  const CRLFCRLF = encoder.encode("\r\n\r\n");
  const next = encoder.encode("\r\n--" + (m[1] ?? m[2]));
  pos += delimiter.length;
  for (;;) {
    if (bytes[pos] === 0x2d && bytes[pos + 1] === 0x2d) return fd; // the closing delimiter
    if (bytes[pos] !== 0x0d || bytes[pos + 1] !== 0x0a) throw fail();
    pos += 2;
    const headEnd = indexOfBytes(bytes, CRLFCRLF, pos);
    if (headEnd === -1) throw fail();
    const headers = decoder.decode(bytes.subarray(pos, headEnd)).split("\r\n");
    let name = null, filename = null, type = "";
    for (const line of headers) {
      const colon = StringPrototypeIndexOf(line, ":");
      if (colon === -1) throw fail();
      const key = StringPrototypeToLowerCase(line.slice(0, colon).trim());
      const value = line.slice(colon + 1).trim();
      if (key === "content-disposition") {
        if (!RegExpPrototypeTest(/^form-data\s*(;|$)/i, value)) throw fail();
        DISPOSITION_PARAM.lastIndex = 0;
        let p;
        while ((p = RegExpExec(DISPOSITION_PARAM, value)) !== null) {
          const k = StringPrototypeToLowerCase(p[1] ?? p[3]);
          const v = p[2] !== undefined ? StringPrototypeReplace(p[2], /\\(.)/g, "$1") : p[4];
          const unescaped = StringPrototypeReplace(v, /%0A|%0D|%22/gi, (e) => ({ "%0A": "\n", "%0D": "\r", "%22": '"' })[e.toUpperCase()]);
          if (k === "name") name = unescaped;
          else if (k === "filename") filename = unescaped;
        }
      } else if (key === "content-type") type = value;
    }
    if (name === null) throw fail();
    const end = indexOfBytes(bytes, next, headEnd + 4);
    if (end === -1) throw fail();
    const content = bytes.slice(headEnd + 4, end);
    if (filename !== null) fd.append(name, new File([content], filename, { type }));
    else fd.append(name, decoder.decode(content));
    pos = end + next.length;
  }
}

defineGlobal("FormData", FormData);
