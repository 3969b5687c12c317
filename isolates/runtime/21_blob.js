// Blob and File (W3C File API): immutable bytes with a type; slice(), text(), arrayBuffer(), bytes(), stream().
import { defineGlobal, now, primordials } from "./00_infra.js";
import { streams } from "./06_streams.js";

const { ArrayBufferIsView, ArrayBuffer: AB, Uint8Array: U8, TypeError: TypeErr, String: Str, Number: Num, MathMax, MathMin,
  ObjectPrototypeToString, PromiseResolve, RegExpPrototypeTest, StringPrototypeToLowerCase, StringPrototypeReplace,
  ArrayPrototypePush, SymbolIterator } = primordials;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const PRINTABLE_TYPE = /^[\x20-\x7e]*$/;

export class Blob {
  #bytes;
  #type;
  constructor(blobParts = undefined, options = undefined) {
    const parts = [];
    let total = 0;
    if (blobParts !== undefined) {
      if (blobParts === null || typeof blobParts !== "object" || typeof blobParts[SymbolIterator] !== "function") {
        throw new TypeErr("Failed to construct 'Blob': The provided value cannot be converted to a sequence.");
      }
      const endings = options && options.endings !== undefined ? Str(options.endings) : "transparent";
      if (endings !== "transparent" && endings !== "native") throw new TypeErr(`Failed to construct 'Blob': invalid endings '${endings}'.`);
      for (const part of blobParts) {
        let bytes;
        if (part instanceof Blob) bytes = part.#bytes;
        else if (part instanceof AB || ObjectPrototypeToString(part) === "[object ArrayBuffer]") bytes = new U8(part.slice(0));
        else if (ArrayBufferIsView(part)) bytes = new U8(part.buffer, part.byteOffset, part.byteLength).slice();
        else {
          let text = Str(part);
          if (endings === "native") text = StringPrototypeReplace(text, /\r\n|\r/g, "\n");
          bytes = encoder.encode(text);
        }
        ArrayPrototypePush(parts, bytes);
        total += bytes.length;
      }
    }
    const out = new U8(total);
    let at = 0;
    for (let i = 0; i < parts.length; i++) { out.set(parts[i], at); at += parts[i].length; }
    this.#bytes = out;
    const type = options && options.type !== undefined ? Str(options.type) : "";
    this.#type = RegExpPrototypeTest(PRINTABLE_TYPE, type) ? StringPrototypeToLowerCase(type) : "";
  }
  get size() { return this.#bytes.length; }
  get type() { return this.#type; }
  slice(start = 0, end = undefined, contentType = undefined) {
    const size = this.#bytes.length;
    const clamp = (v) => { v = Num(v) || 0; v = v < 0 ? MathMax(size + v, 0) : MathMin(v, size); return v < 0 ? 0 : Math.trunc(v); };
    const from = clamp(start);
    const to = end === undefined ? size : clamp(end);
    const b = new Blob([], { type: contentType === undefined ? "" : Str(contentType) });
    b.#bytes = this.#bytes.slice(from, MathMax(from, to));
    return b;
  }
  text() { return PromiseResolve(decoder.decode(this.#bytes)); }
  arrayBuffer() { return PromiseResolve(this.#bytes.slice().buffer); }
  bytes() { return PromiseResolve(this.#bytes.slice()); }
  stream() {
    const bytes = this.#bytes;
    return new (streams().ReadableStream)({ type: "bytes", start(c) { if (bytes.length > 0) c.enqueue(bytes.slice()); c.close(); } });
  }
  get [Symbol.toStringTag]() { return "Blob"; }
  /** The bytes, not copied (the runtime never changes them). */
  static bytesOf(blob) { return blob.#bytes; }
  /** A Blob of `bytes` (kept, not copied) whose type is `type` as given (body.blob(): a serialised MIME type). */
  static withType(bytes, type) { const b = new Blob(); b.#bytes = bytes; b.#type = type; return b; }
}
export const blobBytes = Blob.bytesOf;
export const blobWithType = Blob.withType;
delete Blob.bytesOf;
delete Blob.withType;

export class File extends Blob {
  #name;
  #lastModified;
  constructor(fileBits, fileName, options = undefined) {
    if (arguments.length < 2) throw new TypeErr(`Failed to construct 'File': 2 arguments required, but only ${arguments.length} present.`);
    super(fileBits, options);
    this.#name = Str(fileName);
    this.#lastModified = options && options.lastModified !== undefined ? Math.trunc(Num(options.lastModified)) || 0 : now();
  }
  get name() { return this.#name; }
  get lastModified() { return this.#lastModified; }
  get webkitRelativePath() { return ""; }
  get [Symbol.toStringTag]() { return "File"; }
}

defineGlobal("Blob", Blob);
defineGlobal("File", File);
