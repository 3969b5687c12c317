// Infrastructure shared by every runtime file: captured built-ins ("primordials"),
// the bridge object, the clock, the log sink, the host-call (op) queue and the
// current request's lifetime. Nothing here is reachable from the worker except
// through `globalThis.__edgeworker`, whose properties are the bridge functions.

const uncurryThis = Function.prototype.bind.bind(Function.prototype.call);

export const primordials = Object.freeze({
  uncurryThis,
  ObjectDefineProperty: Object.defineProperty,
  ObjectFreeze: Object.freeze,
  ObjectKeys: Object.keys,
  ObjectCreate: Object.create,
  ObjectGetPrototypeOf: Object.getPrototypeOf,
  ObjectSetPrototypeOf: Object.setPrototypeOf,
  ObjectGetOwnPropertyDescriptor: Object.getOwnPropertyDescriptor,
  ObjectGetOwnPropertyNames: Object.getOwnPropertyNames,
  ObjectPrototypeHasOwnProperty: uncurryThis(Object.prototype.hasOwnProperty),
  ObjectPrototypeToString: uncurryThis(Object.prototype.toString),
  ArrayIsArray: Array.isArray,
  ArrayPrototypePush: uncurryThis(Array.prototype.push),
  ArrayPrototypeJoin: uncurryThis(Array.prototype.join),
  ArrayPrototypeSlice: uncurryThis(Array.prototype.slice),
  ArrayPrototypeSort: uncurryThis(Array.prototype.sort),
  ArrayPrototypeSplice: uncurryThis(Array.prototype.splice),
  ArrayPrototypeMap: uncurryThis(Array.prototype.map),
  ArrayPrototypeIndexOf: uncurryThis(Array.prototype.indexOf),
  ArrayPrototypeShift: uncurryThis(Array.prototype.shift),
  StringPrototypeCharCodeAt: uncurryThis(String.prototype.charCodeAt),
  StringPrototypeToLowerCase: uncurryThis(String.prototype.toLowerCase),
  StringPrototypeToUpperCase: uncurryThis(String.prototype.toUpperCase),
  StringPrototypeSlice: uncurryThis(String.prototype.slice),
  StringPrototypeIndexOf: uncurryThis(String.prototype.indexOf),
  StringPrototypeReplace: uncurryThis(String.prototype.replace),
  StringPrototypeSplit: uncurryThis(String.prototype.split),
  StringPrototypePadStart: uncurryThis(String.prototype.padStart),
  StringFromCharCode: String.fromCharCode,
  RegExpPrototypeTest: uncurryThis(RegExp.prototype.test),
  FunctionPrototypeCall: uncurryThis(Function.prototype.call),
  ReflectApply: Reflect.apply,
  JSONParse: JSON.parse,
  JSONStringify: JSON.stringify,
  MathMax: Math.max,
  MathMin: Math.min,
  MathFloor: Math.floor,
  NumberIsFinite: Number.isFinite,
  Promise,
  PromiseResolve: Promise.resolve.bind(Promise),
  PromiseReject: Promise.reject.bind(Promise),
  PromisePrototypeThen: uncurryThis(Promise.prototype.then),
  Map,
  MapPrototypeGet: uncurryThis(Map.prototype.get),
  MapPrototypeSet: uncurryThis(Map.prototype.set),
  MapPrototypeDelete: uncurryThis(Map.prototype.delete),
  MapPrototypeClear: uncurryThis(Map.prototype.clear),
  MapPrototypeValues: uncurryThis(Map.prototype.values),
  Set,
  SetPrototypeAdd: uncurryThis(Set.prototype.add),
  SetPrototypeDelete: uncurryThis(Set.prototype.delete),
  SetPrototypeClear: uncurryThis(Set.prototype.clear),
  WeakMap,
  Uint8Array,
  ArrayBuffer,
  ArrayBufferIsView: ArrayBuffer.isView,
  TypeError,
  RangeError,
  Error,
  String,
  Number,
  Symbol,
  SymbolIterator: Symbol.iterator,
  SymbolToStringTag: Symbol.toStringTag,
  SymbolAsyncIterator: Symbol.asyncIterator,
});

const {
  ObjectDefineProperty, ArrayPrototypePush, StringFromCharCode, StringPrototypeCharCodeAt, Uint8Array: U8,
  ArrayPrototypeJoin, PromisePrototypeThen, MapPrototypeSet, MapPrototypeGet, MapPrototypeDelete, MapPrototypeClear,
  StringPrototypeSlice, TypeError: TypeErr, Promise: P, ObjectGetOwnPropertyDescriptor, ReflectApply, ObjectGetPrototypeOf,
} = primordials;

const ReflectOwnKeys = Reflect.ownKeys;
const ObjectPrototype = Object.prototype;

/**
 * Gives a Web API function or class `length` 0, and so its static methods and its prototype's methods, as
 * workerd does (its C++ bindings declare no required arguments; WebIDL would count them). Workers code can see
 * it (`fn.length`, libraries that dispatch on arity), so edgeworker matches. For an object (console,
 * scheduler), its own methods and those of its prototype.
 */
export function zeroLengths(value) {
  if (typeof value === "function") zeroLength(value);
  const holders = typeof value === "function" ? [value, value.prototype] : [value, ObjectGetPrototypeOf(value)];
  for (let h = 0; h < holders.length; h++) {
    const holder = holders[h];
    if (holder === null || holder === undefined || holder === ObjectPrototype) continue;
    const keys = ReflectOwnKeys(holder);
    for (let i = 0; i < keys.length; i++) {
      const d = ObjectGetOwnPropertyDescriptor(holder, keys[i]);
      if (typeof d.value === "function" && keys[i] !== "constructor") zeroLength(d.value);
    }
  }
  return value;
}
function zeroLength(fn) {
  const d = ObjectGetOwnPropertyDescriptor(fn, "length");
  if (d !== undefined && d.value !== 0 && d.configurable) ObjectDefineProperty(fn, "length", { value: 0 });
}

/**
 * Defines a global the way WebIDL does: writable, configurable, not enumerable. A function (a Web API class or
 * function) gets `length` 0 first, as in workerd (see zeroLengths).
 */
export function defineGlobal(name, value) {
  if (typeof value === "function") zeroLengths(value);
  const existing = ObjectGetOwnPropertyDescriptor(globalThis, name);
  if (existing !== undefined && !existing.configurable) {
    // mini-racer installs `var setTimeout`/`var clearTimeout` (non-configurable): overwrite the value.
    globalThis[name] = value;
    return;
  }
  ObjectDefineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
}
// mini-racer's own timer shim (see 40_timers.js for ours); its `var` cannot be deleted, only emptied.
if (ObjectGetOwnPropertyDescriptor(globalThis, "__timer_manager") !== undefined) globalThis.__timer_manager = undefined;

/** The bridge: filled in by the files that own each function (90_dispatch.js). */
export const bridge = Object.create(null);
ObjectDefineProperty(globalThis, "__edgeworker", { value: bridge, writable: false, configurable: false, enumerable: false });

// ---- the exchange buffer ------------------------------------------------------
// Bodies cross between the host and JS as bytes in one SharedArrayBuffer per isolate: the host writes a request
// body into it before a call, JS writes a response body (or the next part of a streamed one) into it before it
// returns, each side copies out at once (only one call runs at a time). It is made on first use, grows in powers
// of two up to EXCHANGE_MAX (so its size tells one buffer from the next, and the host, seeing a size it does not
// know, asks for the new buffer's address: bridge.exchange). Bodies over EXCHANGE_MAX cross as latin-1 strings.

const SAB = SharedArrayBuffer;
const U16 = Uint16Array;
const U32 = Uint32Array;
const TypedArrayPrototypeSet = uncurryThis(ObjectGetPrototypeOf(U8.prototype).set);
const EXCHANGE_MIN = 64 * 1024;
export const EXCHANGE_MAX = 1024 * 1024;
let exchange = null;
let exchangeSize = 0;
// Every buffer the host may still hold the address of stays referenced here, out of the worker's reach, so no
// garbage collection can free memory the host writes into, whoever replaced the buffer (worker code can reach
// the bridge): at most one buffer per power of two up to EXCHANGE_MAX, about 2 MB in all.
const exchangesGiven = [];

function ensureExchange(n) {
  if (exchange !== null && exchangeSize >= n) return;
  let size = EXCHANGE_MIN;
  while (size < n && size < EXCHANGE_MAX) size *= 2;
  if (exchange !== null && exchangeSize >= size) return;
  exchange = new SAB(size);
  exchangeSize = size;
  ArrayPrototypePush(exchangesGiven, { buffer: exchange, size });
}

/** The buffer itself, at least `n` bytes long (at most EXCHANGE_MAX): the host reads its address from it. */
bridge.exchange = function exchangeBuffer(n) {
  ensureExchange(typeof n === "number" && n > 0 ? n : 1);
  return exchange;
};

/** The exchange buffer of `size` bytes: the current one, or one that worker code replaced since the host asked. */
function exchangeOfSize(size) {
  if (size === exchangeSize) return exchange;
  for (let i = 0; i < exchangesGiven.length; i++) {
    if (exchangesGiven[i].size === size) return exchangesGiven[i].buffer;
  }
  throw new TypeErr("the host wrote into an exchange buffer this isolate never made");
}

/** The `n` bytes the host wrote at `at` into the exchange buffer it knows (the one of `size` bytes), copied out. */
export function takeFromExchange(n, size, at = 0) {
  const source = exchangeOfSize(size);
  const out = new U8(n);
  if (n > 0) TypedArrayPrototypeSet(out, new U8(source, at, n));
  return out;
}

/**
 * A request the host left in the exchange buffer of `size` bytes instead of in the call's source (so that every
 * call has the same source, which V8 compiles once): a 4-byte little-endian length, the message as ASCII JSON,
 * then its body. Returns the JSON text and where the body starts.
 */
export function takeMessage(size) {
  const source = exchangeOfSize(size);
  const head = new U8(source, 0, 4);
  const n = head[0] + head[1] * 0x100 + head[2] * 0x10000 + head[3] * 0x1000000;
  return { json: bytesToLatin1(new U8(source, 4, n)), at: 4 + n };
}

/** Writes byte arrays one after another into the exchange buffer for the host; returns the fields of the state
 * that say where they are ({ len, xsize, at }). The caller checks room first (exchangeFits). */
export function putInExchange(parts, total) {
  if (exchangeBase === 0) ensureExchange(total); // a batch's buffer holds its answers: it is never replaced
  const start = exchangeBase;
  let at = start;
  for (let i = 0; i < parts.length; i++) {
    TypedArrayPrototypeSet(new U8(exchange, at, parts[i].length), parts[i]);
    at += parts[i].length;
  }
  if (start !== 0) exchangeBase = at;
  return { len: total, xsize: exchangeSize, at: start };
}

/** Whether `n` bytes of body fit where putInExchange would write them. */
export function exchangeFits(n) {
  return exchangeBase === 0 ? n <= EXCHANGE_MAX : exchange !== null && exchangeBase + n <= exchangeSize;
}

// ---- batches ------------------------------------------------------------------
// Under load the host often has several requests for one worker at once. It may hand them to one isolate in one
// call (bridge.dispatchBatch), which runs them one after another: the cost of a call (two thread wake-ups and
// mini-racer's task, most of a small request's cost) is paid once for all of them. In the exchange buffer the
// host writes a 32-bit count, then each request as two 32-bit lengths (its JSON's and its body's), its ASCII
// JSON and its body. JS copies them all out first, then writes its answers over them: a 32-bit count of answers
// published, a table of BATCH_MAX 32-bit offsets, then bodies and answers. An answer is a 32-bit count of UTF-16 code units
// and the state's JSON text, 4-byte aligned; its body lies before it (`bodyAt`). The count is raised only once an
// answer is complete, so the host can read what was answered even if a limit stopped the call half-way.

export const BATCH_MAX = 64;
const BATCH_ANSWERS = 4 + 4 * BATCH_MAX;
let exchangeBase = 0; // where putInExchange writes: 0, or past a batch's answers (until the host's next call)

/** A call other than a batch: bodies go at the start of the exchange buffer again. */
export function leaveBatch() { exchangeBase = 0; }

/** The requests of a batch, copied out of the exchange buffer of `size` bytes: [{ json, body }]. */
export function takeBatch(size) {
  if (exchange === null || size !== exchangeSize) throw new TypeErr("a batch came in a buffer this isolate does not use");
  const bytes = new U8(exchange, 0, exchangeSize);
  const u32 = (at) => bytes[at] + bytes[at + 1] * 0x100 + bytes[at + 2] * 0x10000 + bytes[at + 3] * 0x1000000;
  const count = u32(0);
  if (count > BATCH_MAX) throw new TypeErr("a batch of more requests than BATCH_MAX");
  const items = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    const n = u32(at);
    const bodyLen = u32(at + 4);
    const json = bytesToLatin1(new U8(exchange, at + 8, n));
    at += 8 + n;
    ArrayPrototypePush(items, { json, body: bodyLen > 0 ? takeFromExchange(bodyLen, size, at) : null });
    at += bodyLen;
  }
  new U32(exchange, 0, 1)[0] = 0;
  exchangeBase = BATCH_ANSWERS;
  return items;
}

/** Publishes one answer of a batch (a finished request's state, as JSON); false if it does not fit. */
export function publishAnswer(json, index) {
  const at = (exchangeBase + 3) & ~3;
  const end = at + 4 + 2 * json.length;
  if (index >= BATCH_MAX || end > exchangeSize) return false;
  new U32(exchange, at, 1)[0] = json.length;
  const units = new U16(exchange, at + 4, json.length);
  for (let i = 0; i < json.length; i++) units[i] = StringPrototypeCharCodeAt(json, i);
  new U32(exchange, 4 + 4 * index, 1)[0] = at;
  new U32(exchange, 0, 1)[0] = index + 1;
  exchangeBase = end;
  return true;
}

/** The engine's own clock (whole milliseconds), unlike the frozen one worker code sees. */
export const engineNow = Date.now;

// ---- binary strings ---------------------------------------------------------

/** A latin-1 "binary string" (one char per byte) to a fresh Uint8Array. */
export function latin1ToBytes(s) {
  const n = s.length;
  const out = new U8(n);
  for (let i = 0; i < n; i++) out[i] = StringPrototypeCharCodeAt(s, i);
  return out;
}

/** A Uint8Array to a latin-1 "binary string". */
export function bytesToLatin1(bytes) {
  const parts = [];
  const CHUNK = 8192;
  // String.fromCharCode over a whole chunk at once: one call per 8 KB instead of one concatenation per byte.
  for (let i = 0; i < bytes.length; i += CHUNK) {
    const end = i + CHUNK < bytes.length ? i + CHUNK : bytes.length;
    ArrayPrototypePush(parts, ReflectApply(StringFromCharCode, null, new U8(bytes.buffer, bytes.byteOffset + i, end - i)));
  }
  return ArrayPrototypeJoin(parts, "");
}

// ---- clock --------------------------------------------------------------------
// The runtime's "now" advances only when Python crosses into JS (dispatch/poll), as on Workers.

let clockMs = 0;
export function now() { return clockMs; }
export function setNow(ms) { if (typeof ms === "number" && ms > clockMs) clockMs = ms; }

// ---- logs ---------------------------------------------------------------------

const MAX_LINES = 1000;
const MAX_LINE_CHARS = 64 * 1024;
let logs = [];
let linesThisRequest = 0;

export function pushLog(level, text) {
  if (linesThisRequest > MAX_LINES) return;
  linesThisRequest++;
  if (linesThisRequest > MAX_LINES) {
    ArrayPrototypePush(logs, ["warn", "… truncated: more than " + MAX_LINES + " log lines in this request"]);
    return;
  }
  if (text.length > MAX_LINE_CHARS) text = StringPrototypeSlice(text, 0, MAX_LINE_CHARS) + "… truncated";
  ArrayPrototypePush(logs, [level, text]);
}
export function takeLogs() { const l = logs; logs = []; return l; }
export function resetLogCap() { linesThisRequest = 0; }

// ---- request lifetime -----------------------------------------------------------
// Each dispatch opens a generation; finish() closes it. Work scheduled by a request
// (timers, op continuations) checks its generation and is dropped once closed.

let generation = 0;
let active = false;
const finishHooks = [];
export function currentGeneration() { return generation; }
export function requestActive() { return active; }
export function beginRequest() { generation++; active = true; resetLogCap(); }
export function endRequest() {
  active = false;
  generation++;
  for (let i = 0; i < finishHooks.length; i++) finishHooks[i]();
}
/** Registers a function run by endRequest() (cancel timers, drop ops, ...). */
export function onRequestEnd(fn) { ArrayPrototypePush(finishHooks, fn); }

export function assertInRequest(what) {
  if (!active) {
    throw new TypeErr(
      "Disallowed operation called within global scope. Asynchronous I/O (ex: fetch() or connect()), " +
        "setting a timeout, and generating random values are not allowed within global scope. To fix this " +
        "error, perform this operation within a handler. (" + what + ")",
    );
  }
}

// ---- host calls (ops) ---------------------------------------------------------------
// JS → Python calls are batched: hostCall() queues {id, op, args}; the next state
// returned to Python carries the queue in "ops"; Python answers in poll({results}).

let nextOpId = 1;
let queuedOps = [];
const pendingOps = new primordials.Map();
let pendingCount = 0;

export function hostCall(op, args) {
  assertInRequest(op);
  const id = nextOpId++;
  const gen = generation;
  return new P((resolve, reject) => {
    MapPrototypeSet(pendingOps, id, { resolve, reject, gen });
    pendingCount++;
    ArrayPrototypePush(queuedOps, { id, op, args: args === undefined ? null : args });
  });
}
export function takeOps() { const q = queuedOps; queuedOps = []; return q; }
export function outstandingOps() { return pendingCount; }

/** Delivers [{id, ok, value}] from Python; returns how many were delivered. */
export function deliverResults(results) {
  let n = 0;
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    const p = MapPrototypeGet(pendingOps, r.id);
    if (p === undefined) continue;
    MapPrototypeDelete(pendingOps, r.id);
    pendingCount--;
    n++;
    if (p.gen !== generation) continue;
    if (r.ok) p.resolve(r.value);
    else {
      const v = r.value || {};
      const err = new TypeErr(typeof v.message === "string" ? v.message : String(v));
      if (typeof v.name === "string") ObjectDefineProperty(err, "name", { value: v.name, configurable: true, writable: true });
      p.reject(err);
    }
  }
  return n;
}

onRequestEnd(() => {
  MapPrototypeClear(pendingOps);
  pendingCount = 0;
  queuedOps = [];
});

export { PromisePrototypeThen };

// ---- lazily initialised globals -----------------------------------------------------

/**
 * Defines globals whose values are made on first access: `load()` (usually a function from
 * `edgeworker:lazy/<name>`, whose body V8 compiles only when it is called) returns an object holding
 * every name. Until then each global is an accessor; reading or assigning it turns all of them into
 * ordinary data properties (writable, configurable, not enumerable), as WebIDL defines them.
 */
export function defineLazyGlobals(names, load) {
  let values = null;
  const materialise = () => {
    if (values === null) {
      values = load();
      for (let i = 0; i < names.length; i++) if (typeof values[names[i]] === "function") zeroLengths(values[names[i]]);
      for (let i = 0; i < names.length; i++) {
        const d = ObjectGetOwnPropertyDescriptor(globalThis, names[i]);
        if (d !== undefined && d.get !== undefined && d.get.__edgeworkerLazy === true) {
          ObjectDefineProperty(globalThis, names[i], { value: values[names[i]], writable: true, configurable: true, enumerable: false });
        }
      }
    }
    return values;
  };
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const get = function () { return materialise()[name]; };
    ObjectDefineProperty(get, "__edgeworkerLazy", { value: true });
    ObjectDefineProperty(globalThis, name, {
      get,
      set(v) {
        materialise();
        ObjectDefineProperty(globalThis, name, { value: v, writable: true, configurable: true, enumerable: false });
      },
      configurable: true, enumerable: false,
    });
  }
  return materialise;
}

// ---- pair iterators (Headers, FormData) ------------------------------------------------------

/**
 * The iterators of Headers and FormData as workerd makes them: one class per kind, EntryIterator, KeyIterator and
 * ValueIterator (their names and class strings; not constructible by a worker), over an array of [name, value]
 * pairs (Headers passes a snapshot, FormData its live list). WebIDL would give one "<Interface> Iterator" class.
 */
const ITERATOR_KEY = primordials.Symbol("iterator");
const IteratorPrototype = ObjectGetPrototypeOf(ObjectGetPrototypeOf([][primordials.SymbolIterator]()));
function pairIteratorClass(name, pick) {
  const klass = class {
    #pairs;
    #index = 0;
    constructor(key, pairs) {
      if (key !== ITERATOR_KEY) throw new TypeErr("Illegal constructor");
      this.#pairs = pairs;
    }
    next() {
      const pairs = this.#pairs;
      if (this.#index >= pairs.length) return { value: undefined, done: true };
      return { value: pick(pairs[this.#index++]), done: false };
    }
  };
  ObjectDefineProperty(klass, "name", { value: name });
  ObjectDefineProperty(klass.prototype, primordials.SymbolToStringTag, { value: name, configurable: true });
  primordials.ObjectSetPrototypeOf(klass.prototype, IteratorPrototype);
  return zeroLengths(klass);
}
const PAIR_ITERATORS = {
  entries: pairIteratorClass("EntryIterator", (pair) => [pair[0], pair[1]]),
  keys: pairIteratorClass("KeyIterator", (pair) => pair[0]),
  values: pairIteratorClass("ValueIterator", (pair) => pair[1]),
};
/** A new iterator of `kind` ("entries", "keys", "values") over `pairs`. */
export function pairIterator(kind, pairs) { return new PAIR_ITERATORS[kind](ITERATOR_KEY, pairs); }
