// structuredClone (HTML §2.7 "safe passing of structured data"): StructuredSerializeWithTransfer into records,
// then the transfers (ArrayBuffer.prototype.transfer detaches each listed buffer), then deserialisation.
// Serialisable: primitives but symbols, Boolean/Number/BigInt/String objects, Date, RegExp, ArrayBuffer (also
// resizable), typed arrays and DataView, Map, Set, Error (and its cause, as V8 does), arrays and ordinary objects
// (own enumerable string keys), and the platform objects Blob, File and DOMException. Anything else (functions,
// symbols, WeakMap, WeakSet, WeakRef, Promise, other platform objects, detached buffers) is a DataCloneError.
import { defineGlobal, primordials } from "./00_infra.js";
import { DOMException } from "./01_dom_exception.js";
import { Blob, File, blobBytes, blobWithType } from "./21_blob.js";

const { TypeError: TypeErr, String: Str, ObjectKeys, ObjectGetPrototypeOf, ObjectGetOwnPropertyDescriptor, ObjectPrototypeToString,
  ArrayIsArray, ArrayPrototypePush, ArrayBufferIsView, Map: M, MapPrototypeGet, MapPrototypeSet, SymbolIterator,
  ArrayPrototypeIndexOf, ObjectDefineProperty, uncurryThis } = primordials;
const ObjectCtor = Object, ArrayCtor = Array, SetCtor = Set, DateCtor = Date, RegExpCtor = RegExp, DataViewCtor = DataView,
  ArrayBufferCtor = ArrayBuffer, U8 = Uint8Array;

const MapForEach = uncurryThis(Map.prototype.forEach);
const SetForEach = uncurryThis(Set.prototype.forEach);
const SetAdd = uncurryThis(Set.prototype.add);
const getter = (proto, name) => uncurryThis(ObjectGetOwnPropertyDescriptor(proto, name).get);
const MapSize = getter(Map.prototype, "size");
const SetSize = getter(Set.prototype, "size");
const ABByteLength = getter(ArrayBuffer.prototype, "byteLength");
const ABDetached = getter(ArrayBuffer.prototype, "detached");
const ABResizable = getter(ArrayBuffer.prototype, "resizable");
const ABMaxByteLength = getter(ArrayBuffer.prototype, "maxByteLength");
const ABSlice = uncurryThis(ArrayBuffer.prototype.slice);
const ABTransfer = uncurryThis(ArrayBuffer.prototype.transfer);
const TypedArrayProto = ObjectGetPrototypeOf(Uint8Array.prototype);
const TypedArrayName = getter(TypedArrayProto, Symbol.toStringTag);
const TypedArrayBuffer = getter(TypedArrayProto, "buffer");
const TypedArrayByteOffset = getter(TypedArrayProto, "byteOffset");
const TypedArrayLength = getter(TypedArrayProto, "length");
const DataViewBuffer = getter(DataView.prototype, "buffer");
const DataViewByteOffset = getter(DataView.prototype, "byteOffset");
const DataViewByteLength = getter(DataView.prototype, "byteLength");
const RegExpSource = getter(RegExp.prototype, "source");
const RegExpFlags = getter(RegExp.prototype, "flags");
const DateGetTime = uncurryThis(Date.prototype.getTime);
const BooleanValueOf = uncurryThis(Boolean.prototype.valueOf);
const NumberValueOf = uncurryThis(Number.prototype.valueOf);
const StringValueOf = uncurryThis(String.prototype.valueOf);
const BigIntValueOf = uncurryThis(BigInt.prototype.valueOf);
const SymbolValueOf = uncurryThis(Symbol.prototype.valueOf);
const WeakMapHas = uncurryThis(WeakMap.prototype.has);
const WeakSetHas = uncurryThis(WeakSet.prototype.has);
const WeakRefDeref = uncurryThis(WeakRef.prototype.deref);
const SABByteLength = typeof SharedArrayBuffer === "function" ? getter(SharedArrayBuffer.prototype, "byteLength") : null;
const TYPED_ARRAYS = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array,
  BigInt64Array, BigUint64Array,
};
if (typeof Float16Array === "function") TYPED_ARRAYS.Float16Array = Float16Array;
const ERROR_NAMES = ["Error", "EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError", "URIError"];
const ERRORS = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
// The runtime's platform objects that are not serialisable (Blob, File and DOMException are).
const PLATFORM = ["Event", "CustomEvent", "EventTarget", "AbortController", "AbortSignal", "Headers", "Request", "Response",
  "FormData", "URL", "URLSearchParams", "URLPattern", "TextEncoder", "TextDecoder", "Crypto", "SubtleCrypto", "CryptoKey",
  "FetchEvent", "ReadableStream", "ReadableStreamDefaultReader", "ReadableStreamBYOBReader", "ReadableStreamBYOBRequest",
  "ReadableStreamDefaultController", "ReadableByteStreamController", "WritableStream", "WritableStreamDefaultWriter",
  "WritableStreamDefaultController", "TransformStream", "TransformStreamDefaultController", "ByteLengthQueuingStrategy",
  "CountQueuingStrategy", "TextEncoderStream", "TextDecoderStream", "CompressionStream", "DecompressionStream",
  "IdentityTransformStream", "FixedLengthStream"];

function cloneError(message) { return new DOMException(message, "DataCloneError"); }

function is(check, value) {
  try { check(value); return true; } catch { return false; }
}

function isPlatformObject(value) {
  for (let i = 0; i < PLATFORM.length; i++) {
    const d = ObjectGetOwnPropertyDescriptor(globalThis, PLATFORM[i]);
    // a lazy global not yet materialised has a getter: none of its objects can exist
    if (d === undefined || d.get !== undefined || typeof d.value !== "function") continue;
    const proto = d.value.prototype;
    for (let p = ObjectGetPrototypeOf(value); p !== null; p = ObjectGetPrototypeOf(p)) if (p === proto) return true;
  }
  return false;
}

function serialize(value, memory, transfers) {
  if (typeof value === "symbol") throw cloneError(`${Str(value)} could not be cloned.`);
  if (typeof value === "function") throw cloneError(`${safeName(value)} could not be cloned.`);
  if (value === null || typeof value !== "object") return { t: "value", value };
  const seen = MapPrototypeGet(memory, value);
  if (seen !== undefined) return seen;
  let record;
  const remember = (r) => { MapPrototypeSet(memory, value, r); return r; };
  if (is(BooleanValueOf, value)) return remember({ t: "box", value: BooleanValueOf(value) });
  if (is(NumberValueOf, value)) return remember({ t: "box", value: NumberValueOf(value) });
  if (is(BigIntValueOf, value)) return remember({ t: "box", value: BigIntValueOf(value) });
  if (is(StringValueOf, value)) return remember({ t: "box", value: StringValueOf(value) });
  if (is(DateGetTime, value)) return remember({ t: "date", value: DateGetTime(value) });
  if (is(RegExpSource, value) && value !== RegExp.prototype) {
    return remember({ t: "regexp", source: RegExpSource(value), flags: RegExpFlags(value) });
  }
  if (is(ABByteLength, value)) {
    const index = ArrayPrototypeIndexOf(transfers, value);
    if (index !== -1) return remember({ t: "transferred", index });
    if (ABDetached(value)) throw cloneError("An ArrayBuffer is detached and could not be cloned.");
    if (ABResizable(value)) return remember({ t: "buffer", bytes: ABSlice(value, 0), max: ABMaxByteLength(value) });
    return remember({ t: "buffer", bytes: ABSlice(value, 0), max: -1 });
  }
  if (ArrayBufferIsView(value)) {
    const name = TypedArrayName(value);
    record = name === undefined
      ? { t: "view", name: "DataView", buffer: null, offset: DataViewByteOffset(value), length: DataViewByteLength(value) }
      : { t: "view", name, buffer: null, offset: TypedArrayByteOffset(value), length: TypedArrayLength(value) };
    remember(record);
    const buffer = name === undefined ? DataViewBuffer(value) : TypedArrayBuffer(value);
    if (SABByteLength !== null && is(SABByteLength, buffer)) throw cloneError("A SharedArrayBuffer could not be cloned.");
    record.buffer = serialize(buffer, memory, transfers);
    return record;
  }
  if (is(MapSize, value)) {
    record = remember({ t: "map", entries: [] });
    const copied = [];
    MapForEach(value, (v, k) => { ArrayPrototypePush(copied, k, v); });
    for (let i = 0; i < copied.length; i++) ArrayPrototypePush(record.entries, serialize(copied[i], memory, transfers));
    return record;
  }
  if (is(SetSize, value)) {
    record = remember({ t: "set", entries: [] });
    const copied = [];
    SetForEach(value, (v) => { ArrayPrototypePush(copied, v); });
    for (let i = 0; i < copied.length; i++) ArrayPrototypePush(record.entries, serialize(copied[i], memory, transfers));
    return record;
  }
  if (value instanceof Blob) {
    const bytes = blobBytes(value);
    if (value instanceof File) return remember({ t: "file", bytes, type: value.type, name: value.name, lastModified: value.lastModified });
    return remember({ t: "blob", bytes, type: value.type });
  }
  if (value instanceof DOMException) return remember({ t: "domexception", name: Str(value.name), message: Str(value.message) });
  if (ObjectPrototypeToString(value) === "[object Error]") {
    let name = value.name;
    name = ArrayPrototypeIndexOf(ERROR_NAMES, name) !== -1 ? name : "Error";
    const messageDesc = ObjectGetOwnPropertyDescriptor(value, "message");
    record = remember({ t: "error", name, message: messageDesc !== undefined && "value" in messageDesc ? Str(value.message) : undefined });
    let stack;
    try { stack = value.stack; } catch { stack = undefined; }
    if (typeof stack === "string") record.stack = stack;
    if (ObjectGetOwnPropertyDescriptor(value, "cause") !== undefined) record.cause = serialize(value.cause, memory, transfers);
    return record;
  }
  if (is(WeakMapHas, value) || is(WeakSetHas, value) || is(WeakRefDeref, value) || is(SymbolValueOf, value) ||
      (SABByteLength !== null && is(SABByteLength, value)) || ObjectPrototypeToString(value) === "[object Promise]" ||
      isPlatformObject(value)) {
    throw cloneError(`${ObjectPrototypeToString(value)} could not be cloned.`);
  }
  record = ArrayIsArray(value) ? remember({ t: "array", length: value.length, props: [] }) : remember({ t: "object", props: [] });
  const keys = ObjectKeys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    // a property deleted (or made non-enumerable) by an earlier getter is skipped, as HTML does
    const d = ObjectGetOwnPropertyDescriptor(value, key);
    if (d === undefined || !d.enumerable) continue;
    ArrayPrototypePush(record.props, key, serialize(value[key], memory, transfers));
  }
  return record;
}

function safeName(fn) {
  try { return typeof fn.name === "string" && fn.name !== "" ? fn.name : "function"; } catch { return "function"; }
}

function deserialize(record, memory, buffers) {
  if (record.t === "value") return record.value;
  const seen = MapPrototypeGet(memory, record);
  if (seen !== undefined) return seen;
  let out;
  const remember = (v) => { MapPrototypeSet(memory, record, v); return v; };
  switch (record.t) {
    case "box": return remember(ObjectCtor(record.value));
    case "date": return remember(new DateCtor(record.value));
    case "regexp": return remember(new RegExpCtor(record.source, record.flags));
    case "transferred": return remember(buffers[record.index]);
    case "buffer": {
      if (record.max < 0) return remember(record.bytes);
      const b = new ArrayBufferCtor(record.bytes.byteLength, { maxByteLength: record.max });
      new U8(b).set(new U8(record.bytes));
      return remember(b);
    }
    case "view": {
      const buffer = deserialize(record.buffer, memory, buffers);
      const Ctor = record.name === "DataView" ? DataViewCtor : TYPED_ARRAYS[record.name];
      return remember(new Ctor(buffer, record.offset, record.length));
    }
    case "map": {
      out = remember(new M());
      for (let i = 0; i < record.entries.length; i += 2) {
        MapPrototypeSet(out, deserialize(record.entries[i], memory, buffers), deserialize(record.entries[i + 1], memory, buffers));
      }
      return out;
    }
    case "set": {
      out = remember(new SetCtor());
      for (let i = 0; i < record.entries.length; i++) SetAdd(out, deserialize(record.entries[i], memory, buffers));
      return out;
    }
    case "blob": return remember(blobWithType(record.bytes, record.type));
    case "file": return remember(new File([record.bytes], record.name, { type: record.type, lastModified: record.lastModified }));
    case "domexception": return remember(new DOMException(record.message, record.name));
    case "error": {
      out = remember(record.message === undefined ? new ERRORS[record.name]() : new ERRORS[record.name](record.message));
      if (record.stack !== undefined) {
        ObjectDefineProperty(out, "stack", { value: record.stack, writable: true, configurable: true });
      }
      if (record.cause !== undefined) {
        ObjectDefineProperty(out, "cause", { value: deserialize(record.cause, memory, buffers), writable: true, configurable: true });
      }
      return out;
    }
    default: {
      out = remember(record.t === "array" ? new ArrayCtor(record.length) : {});
      for (let i = 0; i < record.props.length; i += 2) out[record.props[i]] = deserialize(record.props[i + 1], memory, buffers);
      return out;
    }
  }
}

function structuredClone(value, options = undefined) {
  if (arguments.length === 0) throw new TypeErr("Failed to execute 'structuredClone' on 'ServiceWorkerGlobalScope': 1 argument required, but only 0 present.");
  if (options !== undefined && options !== null && typeof options !== "object") {
    throw new TypeErr("Failed to execute 'structuredClone': The provided value is not of type 'StructuredSerializeOptions'.");
  }
  const transfers = [];
  const list = options === undefined || options === null ? undefined : options.transfer;
  if (list !== undefined) {
    if (list === null || typeof list !== "object" || typeof list[SymbolIterator] !== "function") {
      throw new TypeErr("Failed to execute 'structuredClone': The provided value cannot be converted to a sequence.");
    }
    for (const item of list) {
      if (item === null || (typeof item !== "object" && typeof item !== "function")) {
        throw new TypeErr("Failed to execute 'structuredClone': Value at the transfer list is not an object.");
      }
      ArrayPrototypePush(transfers, item);
    }
  }
  for (let i = 0; i < transfers.length; i++) {
    const t = transfers[i];
    if (!is(ABByteLength, t)) throw cloneError("Value at index " + i + " of the transfer list is not transferable.");
    if (ArrayPrototypeIndexOf(transfers, t) !== i) throw cloneError("An ArrayBuffer is listed more than once in the transfer list.");
    if (ABDetached(t)) throw cloneError("An ArrayBuffer in the transfer list is detached.");
  }
  const record = serialize(value, new M(), transfers);
  const buffers = [];
  for (let i = 0; i < transfers.length; i++) ArrayPrototypePush(buffers, ABTransfer(transfers[i]));
  return deserialize(record, new M(), buffers);
}

defineGlobal("structuredClone", structuredClone);
