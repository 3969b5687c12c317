// The Body mixin (Fetch §5.3) shared by Request and Response.
// A body's state is { source, used }: `source` is null (no body) or { kind: "bytes", bytes: Uint8Array }.
// Part 3 adds { kind: "stream", stream } sources; every reader goes through consumeBody().
import { primordials } from "./00_infra.js";
import { URLSearchParams } from "./10_url.js";

const { ArrayBufferIsView, ArrayBuffer: AB, Uint8Array: U8, TypeError: TypeErr, String: Str, JSONParse, PromiseReject,
  PromiseResolve, ObjectDefineProperty, ObjectPrototypeToString } = primordials;

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
  if (init instanceof URLSearchParams) {
    return { source: bytesSource(encoder.encode(init.toString())), contentType: "application/x-www-form-urlencoded;charset=UTF-8" };
  }
  if (typeof globalThis.ReadableStream === "function" && init instanceof globalThis.ReadableStream) {
    throw new TypeErr("ReadableStream bodies are not supported yet.");
  }
  // WebIDL: anything else is converted to a USVString.
  return { source: bytesSource(encoder.encode(Str(init))), contentType: "text/plain;charset=UTF-8" };
}

export function bytesSource(bytes) { return { kind: "bytes", bytes }; }

const USED = "Body has already been used. It can only be used once. Use tee() first if you need to read it twice.";

/** Marks the body used and resolves to its bytes (all readers go through here). */
export function consumeBody(state) {
  if (state.used) return PromiseReject(new TypeErr(USED));
  state.used = true;
  if (state.source === null) return PromiseResolve(new U8(0));
  return PromiseResolve(state.source.bytes);
}

/** The buffered bytes without disturbing the body (for the response fast path), or null if not buffered. */
export function peekBytes(state) {
  if (state.source === null) return new U8(0);
  if (state.source.kind === "bytes") return state.source.bytes;
  return null;
}

/** Clone: bytes sources are shared (immutable); streams will be tee'd in Part 3. */
export function cloneBodyState(state) {
  if (state.used) throw new TypeErr("Body has already been used. It can only be used once. Use tee() first if you need to read it twice.");
  return newBodyState(state.source);
}

/** Installs text()/json()/arrayBuffer()/bytes()/body/bodyUsed on a class whose instances have a body state. */
export function installBodyMixin(klass, getState) {
  const methods = {
    text() { return consumeBody(getState(this)).then((b) => decoder.decode(b)); },
    json() { return consumeBody(getState(this)).then((b) => JSONParse(decoder.decode(b))); },
    arrayBuffer() { return consumeBody(getState(this)).then((b) => copyBytes(b).buffer); },
    bytes() { return consumeBody(getState(this)).then((b) => copyBytes(b)); },
  };
  for (const name of ["text", "json", "arrayBuffer", "bytes"]) {
    ObjectDefineProperty(klass.prototype, name, { value: methods[name], writable: true, configurable: true });
  }
  ObjectDefineProperty(klass.prototype, "bodyUsed", {
    get() { return getState(this).used; }, configurable: true,
  });
  ObjectDefineProperty(klass.prototype, "body", {
    // ReadableStream arrives in Part 3; until then a body is reported as present or null.
    get() { return getState(this).source === null ? null : bodyPlaceholder(getState(this)); }, configurable: true,
  });
}

function copyBytes(b) { const c = new U8(b.length); c.set(b); return c; }

function bodyPlaceholder(state) {
  if (typeof globalThis.ReadableStream === "function" && state.source.kind === "bytes") {
    const bytes = state.source.bytes;
    return new globalThis.ReadableStream({ start(c) { c.enqueue(copyBytes(bytes)); c.close(); } });
  }
  return { locked: state.used };
}
