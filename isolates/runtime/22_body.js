// The Body mixin (Fetch §5.3) shared by Request and Response.
// A body's state is { source, used }: `source` is null (no body), { kind: "bytes", bytes: Uint8Array }
// (buffered: strings, buffers, forms, the incoming request's body) or { kind: "stream", stream }. A bytes
// source becomes a stream source the first time `body` is read. Every reader goes through consumeBody().
// The host takes a response body through takeBodyForHost(): buffered bytes, or a reader of its stream.
import { primordials } from "./00_infra.js";
import { streams } from "./06_streams.js";
import { Blob, blobBytes, blobWithType } from "./21_blob.js";
import { FormData, parseFormData, serializeMultipart } from "./21_formdata.js";
import { URLSearchParams } from "./10_url.js";
import { extractMimeType, serializeMimeType } from "./19_mime.js";

const { ArrayBufferIsView, ArrayBuffer: AB, Uint8Array: U8, TypeError: TypeErr, String: Str, JSONParse, PromiseReject,
  PromiseResolve, ObjectDefineProperty, ObjectPrototypeToString, ArrayPrototypePush, PromisePrototypeThen, MathFloor } = primordials;
const MathRandom = Math.random;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function newBodyState(source) { return { source, used: false }; }

/** Extracts a body (Fetch "extract a body"): returns { source, contentType } or null for a null body. */
export function extractBody(init) {
  if (init === null || init === undefined) return null;
  if (typeof init === "string") return { source: bytesSource(encoder.encode(init)), contentType: "text/plain;charset=UTF-8" };
  if (init instanceof AB || ObjectPrototypeToString(init) === "[object ArrayBuffer]") {
    return { source: bytesSource(new U8(init.slice(0))), contentType: null };
  }
  if (ArrayBufferIsView(init)) {
    const copy = new U8(init.byteLength);
    copy.set(new U8(init.buffer, init.byteOffset, init.byteLength));
    return { source: bytesSource(copy), contentType: null };
  }
  if (init instanceof Blob) return { source: bytesSource(blobBytes(init)), contentType: init.type === "" ? null : init.type };
  if (init instanceof FormData) {
    let hex = "";
    for (let i = 0; i < 24; i++) hex += "0123456789abcdef"[MathFloor(MathRandom() * 16)];
    const { bytes, contentType } = serializeMultipart(init, hex);
    return { source: bytesSource(bytes), contentType };
  }
  if (init instanceof URLSearchParams) {
    return { source: bytesSource(encoder.encode(init.toString())), contentType: "application/x-www-form-urlencoded;charset=UTF-8" };
  }
  if (isReadableStream(init)) {
    if (init.locked || disturbed(init)) throw new TypeErr("The ReadableStream is locked or has already been read from.");
    return { source: { kind: "stream", stream: init }, contentType: null };
  }
  // WebIDL: anything else is converted to a USVString.
  return { source: bytesSource(encoder.encode(Str(init))), contentType: "text/plain;charset=UTF-8" };
}

export function bytesSource(bytes) { return { kind: "bytes", bytes }; }

// The stream globals load lazily: a value can only be a ReadableStream once they have loaded.
function isReadableStream(v) {
  if (v === null || typeof v !== "object") return false;
  const d = primordials.ObjectGetOwnPropertyDescriptor(globalThis, "ReadableStream");
  if (d !== undefined && d.get !== undefined) return false; // never loaded: no stream can exist
  return v instanceof streams().ReadableStream;
}
// web-streams-polyfill is the spec's reference implementation: [[disturbed]] is its `_disturbed` slot.
function disturbed(stream) { return stream._disturbed === true; }

const USED = "Body has already been used. It can only be used once. Use tee() first if you need to read it twice.";

/** Whether the body is used (Fetch: its stream is disturbed). */
export function bodyUsed(state) {
  return state.used || (state.source !== null && state.source.kind === "stream" && disturbed(state.source.stream));
}

/** Reads a stream reader to its end; resolves to the concatenated bytes. `onChunk` is told of each chunk. */
export function readAll(reader, onChunk = undefined) {
  const chunks = [];
  let total = 0;
  const step = (result) => {
    if (result.done) {
      const out = new U8(total);
      let at = 0;
      for (let i = 0; i < chunks.length; i++) { out.set(chunks[i], at); at += chunks[i].length; }
      return out;
    }
    const v = result.value;
    if (!ArrayBufferIsView(v) || ObjectPrototypeToString(v) !== "[object Uint8Array]") {
      throw new TypeErr("This ReadableStream did not return bytes.");
    }
    ArrayPrototypePush(chunks, new U8(v.buffer, v.byteOffset, v.byteLength).slice());
    total += v.byteLength;
    if (onChunk !== undefined) onChunk();
    return PromisePrototypeThen(reader.read(), step);
  };
  return PromisePrototypeThen(reader.read(), step);
}

/** Marks a non-null body used and resolves to its bytes (all readers go through here). */
export function consumeBody(state) {
  if (bodyUsed(state)) return PromiseReject(new TypeErr(USED));
  if (state.source !== null && state.source.kind === "stream" && state.source.stream.locked) {
    return PromiseReject(new TypeErr("The body's ReadableStream is locked to a reader."));
  }
  // Fetch "consume body": a null body reads as no bytes and is never marked used.
  if (state.source === null) return PromiseResolve(new U8(0));
  state.used = true;
  if (state.source.kind === "bytes") return PromiseResolve(state.source.bytes);
  return readAll(state.source.stream.getReader());
}

/**
 * The response body for the host, marking it used: `{ bytes }` when buffered (or null), else `{ reader }`,
 * a reader of its stream. Today 90_dispatch.js reads that reader to its end before answering; a chunked
 * path to the host can take the reader instead.
 */
export function takeBodyForHost(state) {
  state.used = true;
  if (state.source === null) return { bytes: new U8(0), reader: null };
  if (state.source.kind === "bytes") return { bytes: state.source.bytes, reader: null };
  return { bytes: null, reader: state.source.stream.getReader() };
}

/** The buffered bytes without disturbing the body, or null if it is a stream. */
export function peekBytes(state) {
  if (state.source === null) return new U8(0);
  if (state.source.kind === "bytes") return state.source.bytes;
  return null;
}

/** Clone: bytes sources are shared (immutable); a stream is tee'd (this body keeps one branch). */
export function cloneBodyState(state) {
  if (bodyUsed(state)) throw new TypeErr(USED);
  if (state.source !== null && state.source.kind === "stream") {
    if (state.source.stream.locked) throw new TypeErr("The body's ReadableStream is locked to a reader.");
    const [a, b] = state.source.stream.tee();
    state.source = { kind: "stream", stream: a };
    return newBodyState({ kind: "stream", stream: b });
  }
  return newBodyState(state.source);
}

/**
 * The body of an upload that is still arriving: a byte stream whose every pull asks the host for the next chunk
 * (`read()` resolves to { chunk: Uint8Array } or { done: true }, and rejects if the upload fails).
 */
export function hostStreamSource(read) {
  const stream = new (streams().ReadableStream)({
    type: "bytes",
    pull(c) {
      return PromisePrototypeThen(read(), (r) => {
        if (r.done) c.close();
        else if (r.chunk.length > 0) c.enqueue(r.chunk);
      });
    },
  });
  return { kind: "stream", stream };
}

/** The body as a ReadableStream (Fetch: a body is always a stream); a buffered body becomes one. */
export function bodyStream(state) {
  if (state.source === null) return null;
  if (state.source.kind === "bytes") {
    const bytes = state.used ? new U8(0) : state.source.bytes;
    const stream = new (streams().ReadableStream)({
      type: "bytes",
      start(c) { if (bytes.length > 0) c.enqueue(copyBytes(bytes)); c.close(); },
    });
    if (state.used) { stream.getReader(); } // a used body's stream is disturbed and locked
    state.source = { kind: "stream", stream };
  }
  return state.source.stream;
}

/** Installs text()/json()/arrayBuffer()/bytes()/body/bodyUsed on a class whose instances have a body state. */
export function installBodyMixin(klass, getState) {
  const methods = {
    text() { return consumeBody(getState(this)).then((b) => decoder.decode(b)); },
    json() { return consumeBody(getState(this)).then((b) => JSONParse(decoder.decode(b))); },
    arrayBuffer() { return consumeBody(getState(this)).then((b) => copyBytes(b).buffer); },
    bytes() { return consumeBody(getState(this)).then((b) => copyBytes(b)); },
    blob() {
      // Fetch: the type is the serialised MIME type extracted from Content-Type ("" on failure).
      const mime = extractMimeType(this.headers.get("content-type"));
      const type = mime === null ? "" : serializeMimeType(mime);
      return consumeBody(getState(this)).then((b) => blobWithType(copyBytes(b), type));
    },
    formData() {
      const type = this.headers.get("content-type");
      return consumeBody(getState(this)).then((b) => parseFormData(b, type === null ? "" : type));
    },
  };
  for (const name of ["text", "json", "arrayBuffer", "bytes", "blob", "formData"]) {
    ObjectDefineProperty(klass.prototype, name, { value: methods[name], writable: true, configurable: true });
  }
  ObjectDefineProperty(klass.prototype, "bodyUsed", {
    get() { return bodyUsed(getState(this)); }, configurable: true,
  });
  ObjectDefineProperty(klass.prototype, "body", {
    get() { return bodyStream(getState(this)); }, configurable: true,
  });
}

function copyBytes(b) { const c = new U8(b.length); c.set(b); return c; }

