// The bridge functions Python calls: init, dispatch, poll, finish, moduleExports.
// Every call returns a JSON string (never an object: only strings cross to Python).
import {
  beginRequest, bridge, bytesToLatin1, currentGeneration, defineGlobal, deliverResults, endRequest, hostCall,
  latin1ToBytes, EXCHANGE_MAX, putInExchange, takeFromExchange, takeMessage, exchangeFits, takeBatch, publishAnswer,
  leaveBatch, engineNow,
  outstandingOps, primordials, pushLog, requestActive, setNow, takeLogs, takeOps,
} from "./00_infra.js";
import { DOMException } from "./01_dom_exception.js";
import { Event, EventTarget, dispatchRethrowing, listenerCount } from "./02_event.js";
import { headersForHost } from "./20_headers.js";
import { bodyUsed, bytesSource, hostStreamSource, takeBodyForHost } from "./22_body.js";
import { requestFromHost } from "./23_request.js";
import { Response, responseBodyState } from "./23_response.js";
import { reseed } from "./30_crypto.js";
import { declaredLength } from "./06_streams.js";
import { nextTimerDelay, runDueTimers } from "./40_timers.js";

const { JSONParse, JSONStringify, ObjectKeys, ObjectPrototypeHasOwnProperty, ArrayPrototypePush, PromiseResolve,
  ArrayPrototypeShift, uncurryThis, ObjectGetPrototypeOf,
  PromisePrototypeThen, TypeError: TypeErr, String: Str, ReflectApply, ObjectFreeze, ArrayPrototypeIndexOf,
  ArrayPrototypeJoin, ArrayBufferIsView, ObjectPrototypeToString, Uint8Array: U8, StringPrototypeCharCodeAt } = primordials;
// captured before any worker code runs (it could replace the globals)
const U16 = Uint16Array;
const U32 = Uint32Array;
const SAB = SharedArrayBuffer;

const TypedArrayPrototypeSlice = uncurryThis(ObjectGetPrototypeOf(U8.prototype).slice);
const TypedArrayPrototypeSubarray = uncurryThis(ObjectGetPrototypeOf(U8.prototype).subarray);

const HANDLER_NAMES = ["fetch", "scheduled", "queue", "tail", "trace", "email", "alarm", "test"];

// ---- worker shape ---------------------------------------------------------------

let moduleNamespace = null; // the transformed module's exports ($ew$), or null for service-worker scripts
let format = null;
let env = null;
const globalTarget = new EventTarget();

bridge.moduleExports = function moduleExports() {
  moduleNamespace = { __proto__: null };
  return moduleNamespace;
};

defineGlobal("addEventListener", function addEventListener(type, listener, options) {
  return globalTarget.addEventListener(type, listener, options);
});
defineGlobal("removeEventListener", function removeEventListener(type, listener, options) {
  return globalTarget.removeEventListener(type, listener, options);
});
defineGlobal("dispatchEvent", function dispatchEvent(event) {
  return globalTarget.dispatchEvent(event);
});

function copyInto(target, source) {
  if (source === null || typeof source !== "object") return;
  const keys = ObjectKeys(source);
  for (let i = 0; i < keys.length; i++) target[keys[i]] = source[keys[i]];
}

bridge.init = function init(envJson) {
  bridge.endWasmLoading(); // the worker has loaded: from now on no wasm is compiled (see 44_wasm.js)
  const config = JSONParse(envJson);
  env = {};
  copyInto(env, config.vars);
  copyInto(env, config.secrets);
  const handlers = [];
  if (moduleNamespace !== null) {
    format = "modules";
    const main = moduleNamespace.default;
    if (main !== null && (typeof main === "object" || typeof main === "function")) {
      for (let i = 0; i < HANDLER_NAMES.length; i++) {
        if (typeof main[HANDLER_NAMES[i]] === "function") ArrayPrototypePush(handlers, HANDLER_NAMES[i]);
      }
    }
    if (ArrayPrototypeIndexOf(handlers, "fetch") === -1) throw new TypeErr("Handler does not export a fetch() function.");
  } else {
    format = "service-worker";
    for (let i = 0; i < HANDLER_NAMES.length; i++) {
      if (listenerCount(globalTarget, HANDLER_NAMES[i]) > 0) ArrayPrototypePush(handlers, HANDLER_NAMES[i]);
    }
    if (handlers.length === 0) throw new TypeErr("No event handlers were registered. This script does nothing.");
    if (ArrayPrototypeIndexOf(handlers, "fetch") === -1) {
      throw new TypeErr("No fetch handler registered: add addEventListener(\"fetch\", ...).");
    }
    // Service-worker scripts see their bindings as globals.
    const keys = ObjectKeys(env);
    for (let i = 0; i < keys.length; i++) defineGlobal(keys[i], env[keys[i]]);
  }
  return JSONStringify({ format, handlers, logs: takeLogs() });
};

// ---- the request ------------------------------------------------------------------

let req = null; // { gen, response, error, reported, waitUntil, passThrough }

function errorInfo(e) {
  try {
    if (e !== null && typeof e === "object") {
      const name = typeof e.name === "string" ? e.name : "Error";
      const message = typeof e.message === "string" ? e.message : Str(e);
      const stack = typeof e.stack === "string" ? e.stack : `${name}: ${message}`;
      return { name, message, stack };
    }
    return { name: "Error", message: Str(e), stack: "Uncaught " + Str(e) };
  } catch {
    return { name: "Error", message: "(an exception that could not be described)", stack: "" };
  }
}

function reportUncaught(e) {
  const info = errorInfo(e);
  pushLog("error", "Uncaught " + info.stack);
}

function settleWith(r, value) {
  if (r !== req || r.response !== null || r.error !== null) return;
  if (value instanceof Response) r.response = value;
  else r.error = errorInfo(new TypeErr("Incorrect type for Promise: the Promise did not resolve to 'Response'."));
  if (r.lateArmed) answerLate(r);
}

function failWith(r, e) {
  if (r !== req || r.response !== null || r.error !== null) return;
  r.error = errorInfo(e);
  if (r.lateArmed) answerLate(r);
}

// ---- late answers -------------------------------------------------------------
// An async fetch handler (most Workers code) resolves its Response in the microtasks that run just after the call
// that ran it (dispatch, or the poll that delivered what it awaited) has returned "pending". Rather than make the
// host call in again to collect it, JS leaves the state that call would get in the late buffer: a
// SharedArrayBuffer of LATE_SIZE bytes, a 32-bit count of UTF-16 code units, then the state's JSON text. The host
// reads it once the isolate's thread sleeps (no JS running), and zeroes the count to say it took it; if it did
// not (the thread was still busy), its next poll gets the state instead. A "pending" state says `late: true`
// when such an answer may come.
const LATE_SIZE = 64 * 1024;
let late = null;
let lateJson = null; // the state left in the late buffer, until it is known to be taken

/** The late buffer (made once; the host reads its address from it). */
bridge.late = function lateBuffer() {
  if (late === null) late = new SAB(LATE_SIZE);
  return late;
};

function answerLate(r) {
  r.lateArmed = false;
  if (late === null) return;
  let json;
  if (chain !== null && chain.waiting) { // a request of a batch: the batch goes on with the next one
    chain.waiting = false;
    json = batchStep(settle(state(true)));
    if (json === null && !chain.waiting) json = runBatch();
    if (json === null) return;
  } else {
    json = JSONStringify(settle(state(true)));
  }
  if (4 + 2 * json.length > LATE_SIZE) { // too long for the buffer: the next poll returns it
    lateJson = json;
    return;
  }
  const units = new U16(late, 4, json.length);
  for (let i = 0; i < json.length; i++) units[i] = StringPrototypeCharCodeAt(json, i);
  new U32(late, 0, 1)[0] = json.length;
  lateJson = json;
}

/** A late answer the host has not taken (it polled instead), or null; either way the slot is empty after. */
function untakenLate() {
  if (lateJson === null) return null;
  const json = lateJson;
  lateJson = null;
  const count = new U32(late, 0, 1);
  if (count[0] === 0 && 4 + 2 * json.length <= LATE_SIZE) return null; // taken
  count[0] = 0;
  return json;
}

/** A state about to go to the host: a pending one with no ops to start arms the late answer, any other disarms
 * it (the host writes the next poll into the exchange buffer only after a state that did not say `late`, when no
 * late answer can be writing there). */
function armLate(st) {
  const armed = st.s === "pending" && req !== null && late !== null && st.ops.length === 0;
  if (req !== null) req.lateArmed = armed;
  if (armed) st.late = true;
  return st;
}

function settleFrom(r, value) {
  if (value instanceof Response) { settleWith(r, value); return; }
  if (value !== null && (typeof value === "object" || typeof value === "function") && typeof value.then === "function") {
    try {
      PromisePrototypeThen(PromiseResolve(value), (v) => settleWith(r, v), (e) => failWith(r, e));
    } catch (e) {
      failWith(r, e);
    }
    return;
  }
  settleWith(r, value);
}

function addWaitUntil(r, promise) {
  r.waitUntil++;
  const gen = r.gen;
  const done = () => { if (gen === currentGeneration()) r.waitUntil--; };
  PromisePrototypeThen(PromiseResolve(promise), done, (e) => {
    if (gen === currentGeneration()) reportUncaught(e);
    done();
  });
}

class ExecutionContext {
  #r;
  constructor(r) { this.#r = r; }
  waitUntil(promise) {
    if (this.#r !== req) throw new TypeErr("waitUntil() called after the request finished.");
    addWaitUntil(this.#r, promise);
  }
  passThroughOnException() { this.#r.passThrough = true; }
  get [Symbol.toStringTag]() { return "ExecutionContext"; }
}

class FetchEvent extends Event {
  #r;
  #request;
  #responded = false;
  #dispatching = true;
  constructor(type, init) {
    super(type);
    if (!init || !init.__r) throw new TypeErr("Illegal constructor");
    this.#r = init.__r;
    this.#request = init.request;
  }
  get request() { return this.#request; }
  respondWith(response) {
    if (this.#responded) throw new DOMException("FetchEvent.respondWith() has already been called.", "InvalidStateError");
    if (!this.#dispatching) throw new DOMException("FetchEvent.respondWith() must be called synchronously from the event listener.", "InvalidStateError");
    this.#responded = true;
    settleFrom(this.#r, response);
  }
  waitUntil(promise) { addWaitUntil(this.#r, promise); }
  passThroughOnException() { this.#r.passThrough = true; }
  static finishDispatch(event) { event.#dispatching = false; return event.#responded; }
}
const fetchEventFinishDispatch = FetchEvent.finishDispatch;
delete FetchEvent.finishDispatch;
defineGlobal("FetchEvent", FetchEvent);

function finishInternal() {
  req = null;
  if (requestActive()) endRequest();
}

/** Before a new request: the previous one's untaken late answer is dropped, and the request closed. */
function closePrevious() {
  untakenLate();
  if (req !== null) finishInternal();
}

bridge.dispatch = function dispatch(reqJson) {
  leaveBatch();
  chain = null;
  closePrevious();
  const msg = JSONParse(reqJson);
  const body = typeof msg.body === "string" ? latin1ToBytes(msg.body) : null;
  return JSONStringify(dispatchMessage(msg, body));
};

/** The usual way in: the request waits in the exchange buffer of `size` bytes (see takeMessage). */
bridge.dispatchExchanged = function dispatchExchanged(size) {
  leaveBatch();
  chain = null;
  const taken = takeMessage(size);
  closePrevious();
  const msg = JSONParse(taken.json);
  const body = typeof msg.bodyLen === "number" ? takeFromExchange(msg.bodyLen, size, taken.at) : null;
  return JSONStringify(dispatchMessage(msg, body));
};

/**
 * Several requests for this worker, in the exchange buffer of `size` bytes (see takeBatch), run one after another,
 * each to its end while they can answer at once: a handler that returns a Response, or an async one whose Response
 * resolves in the microtasks after it (its late answer starts the next request, so a batch of async handlers runs
 * in this call and the microtasks that follow it). The first request that cannot ends the batch: it is the
 * batch's `last`, and the host drives it on as it would any request. A batch also ends once it has run for more
 * than `ms` milliseconds (the engine's clock counts whole ones, so under ms + 1): a request never waits long behind
 * others, and no request is stopped by its CPU limit before it used that limit itself (the host allows a batch
 * that much more CPU than one request). Returns the batch's end, {s: "batch", ran, last} (ran: how many requests
 * started; the rest never did, and the host runs them later), or {s: "batch", late: true} when it goes on in
 * microtasks: then the end comes as a late answer (or, if the host polls first, from the poll).
 */
bridge.dispatchBatch = function dispatchBatch(size, ms) {
  const items = takeBatch(size);
  chain = { items, ran: 0, published: 0, started: engineNow(), ms, waiting: false, logs: null };
  const end = runBatch();
  return end !== null ? end : '{"s":"batch","late":true}';
};

let chain = null; // the batch being run, until its end is known

/** Runs the batch's next requests; its end as JSON, or null while a request waits for its microtasks. */
function runBatch() {
  const c = chain;
  for (;;) {
    if (c.ran === c.items.length || (c.ran > 0 && engineNow() - c.started > c.ms)) return endBatch(null);
    closePrevious();
    const item = c.items[c.ran];
    const st = dispatchMessage(JSONParse(item.json), item.body);
    c.ran++;
    const end = batchStep(st);
    if (end !== null || c.waiting) return end;
  }
}

/** After a request of the batch returned `st`: null if the batch goes on (its answer is published, or its late
 * answer will come), else the batch's end. */
function batchStep(st) {
  const c = chain;
  if (c.logs !== null) { // what the request logged before it waited for its microtasks
    const later = st.logs;
    st.logs = c.logs;
    c.logs = null;
    for (let i = 0; i < later.length; i++) ArrayPrototypePush(st.logs, later[i]);
  }
  if (st.finished === true && publishAnswer(JSONStringify(st), c.published)) {
    c.published++;
    return null;
  }
  if (st.finished !== true && st.late === true) {
    c.waiting = true;
    c.logs = st.logs;
    return null;
  }
  return endBatch(st); // still running (ops, timers, a stream, waitUntil work), or no room for its answer
}

function endBatch(last) {
  const ran = chain.ran;
  chain = null;
  return JSONStringify({ s: "batch", ran, last });
}

function dispatchMessage(msg, body) {
  beginRequest();
  setNow(msg.now);
  reseed(msg.seed);
  const r = { gen: currentGeneration(), response: null, error: null, reported: false, waitUntil: 0, passThrough: false, body: undefined };
  req = r;
  // Everything from here on may run code a worker can break (npm code uses ordinary built-ins): an
  // exception fails this request, never the bridge.
  try {
    const source = msg.bodyStream === true ? hostStreamSource(readUpload) : body === null ? null : bytesSource(body);
    const cf = msg.cf !== null && typeof msg.cf === "object" ? msg.cf : {};
    const request = requestFromHost(msg.method, msg.url, msg.headers, source, cf);
    if (format === "modules") {
      const main = moduleNamespace.default;
      const ctx = new ExecutionContext(r);
      settleFrom(r, ReflectApply(main.fetch, main, [request, env, ctx]));
    } else {
      const event = new FetchEvent("fetch", { request, __r: r });
      try {
        dispatchRethrowing(globalTarget, event);
      } finally {
        if (!fetchEventFinishDispatch(event) && r.error === null && r.response === null) {
          r.error = errorInfo(new Error("No fetch event listener called respondWith(): the script did not generate a response."));
        }
      }
    }
  } catch (e) {
    failWith(r, e);
  }
  return armLate(settle(state(true)));
}

/** The next part of an upload that is still arriving (host op op_body_read). */
function readUpload() {
  return PromisePrototypeThen(hostCall("op_body_read", null), (r) =>
    r.done ? { done: true } : { done: false, chunk: latin1ToBytes(r.chunk) });
}

/** A request whose response is known (its body complete) and that has no waitUntil work is closed at once. */
function settle(st) {
  const complete = ((st.s === "done" && !st.stream) || st.s === "error" || (st.s === "streaming" && st.end));
  if (complete && st.waitUntil === 0) {
    finishInternal();
    st.finished = true;
    const late = takeLogs();
    for (let i = 0; i < late.length; i++) ArrayPrototypePush(st.logs, late[i]);
  }
  return st;
}

bridge.poll = function poll(json) {
  if (chain === null) leaveBatch(); // a batch's answers stay where they are until the host has read them
  return pollMessage(JSONParse(json));
};

/** The usual way: the poll message waits in the exchange buffer of `size` bytes, as a request does (takeMessage). */
bridge.pollExchanged = function pollExchanged(size) {
  if (chain === null) leaveBatch();
  return pollMessage(JSONParse(takeMessage(size).json));
};

function pollMessage(msg) {
  setNow(msg.now);
  let activity = 0;
  if (req !== null && msg.results && msg.results.length) activity += deliverResults(msg.results);
  const untaken = untakenLate();
  if (untaken !== null) return untaken;
  if (req === null) return chain !== null ? endBatch(null) : JSONStringify({ s: "idle", logs: takeLogs() });
  activity += runDueTimers(reportUncaught);
  const st = armLate(settle(state(activity > 0)));
  // a batch whose request waits for more than microtasks (a timer, say) ends at that request
  return chain !== null ? endBatch(st) : JSONStringify(st);
}

/**
 * Runs one made-up request through the request path before any worker is loaded, so that V8 compiles the
 * runtime functions a request uses (it compiles each function on its first call) while the isolate is a warm
 * spare rather than during a worker's first request. Leaves nothing behind: no worker, no request, no logs.
 */
bridge.warm = function warm() {
  const saved = moduleNamespace;
  const savedFormat = format;
  moduleNamespace = {
    __proto__: null,
    default: {
      fetch(request) {
        void request.url;
        void request.headers.get("host");
        return Response.json({ warm: true }, { headers: { "x-warm": "1" } });
      },
    },
  };
  format = "modules";
  try {
    bridge.dispatch(JSONStringify({
      id: "warm", method: "GET", url: "https://warm.invalid/", headers: [["host", "warm.invalid"]], body: null,
      bodyStream: false, now: 0, seed: "", cf: {},
    }));
    bridge.finish();
  } finally {
    moduleNamespace = saved;
    format = savedFormat;
    req = null;
    takeLogs();
  }
  return "0";
};

bridge.finish = function finish() {
  leaveBatch();
  chain = null;
  untakenLate();
  finishInternal();
  return JSONStringify({ logs: takeLogs() });
};

function responseHeaders(r) { return headersForHost(r.response.headers); }

/** Reads a response body stream as its producer writes it; each chunk waits in `r.stream` for the next poll. */
function pumpStream(r, reader) {
  const st = r.stream;
  const fail = (e) => {
    if (r !== req) return;
    st.error = errorInfo(e);
    st.done = true;
    st.activity++;
  };
  const step = (result) => {
    if (r !== req) return undefined; // the request is over: nobody reads any more
    if (result.done) {
      st.done = true;
      st.activity++;
      return undefined;
    }
    const v = result.value;
    if (!ArrayBufferIsView(v) || ObjectPrototypeToString(v) !== "[object Uint8Array]") {
      fail(new TypeErr("This ReadableStream did not return bytes."));
      return undefined;
    }
    if (v.byteLength > 0) {
      ArrayPrototypePush(st.chunks, TypedArrayPrototypeSlice(v)); // a copy: the producer may reuse its buffer
      st.buffered += v.byteLength;
      st.activity++;
    }
    // Backpressure: with a full exchange buffer's worth waiting, read on only once the host has taken it.
    if (st.buffered >= EXCHANGE_MAX) {
      st.resume = () => PromisePrototypeThen(reader.read(), step, fail);
      return undefined;
    }
    return PromisePrototypeThen(reader.read(), step, fail);
  };
  PromisePrototypeThen(reader.read(), step, fail);
}

/** The chunks waiting for the host, up to what the exchange buffer holds, as the fields of a "streaming" state. */
function takeChunks(st) {
  const parts = [];
  let total = 0;
  while (st.chunks.length > 0 && total < EXCHANGE_MAX) {
    let c = st.chunks[0];
    if (total + c.length > EXCHANGE_MAX) { // the first part of it now, the rest in the next state
      const room = EXCHANGE_MAX - total;
      st.chunks[0] = TypedArrayPrototypeSubarray(c, room);
      c = TypedArrayPrototypeSubarray(c, 0, room);
    } else {
      ArrayPrototypeShift(st.chunks);
    }
    ArrayPrototypePush(parts, c);
    total += c.length;
  }
  st.buffered -= total;
  const resume = st.resume;
  let resumed = false;
  if (resume !== null && st.buffered < EXCHANGE_MAX) { // the pump reads on as soon as this call returns
    st.resume = null;
    resume();
    resumed = true;
  }
  const out = putInExchange(parts, total);
  return { chunkLen: out.len, xsize: out.xsize, more: st.chunks.length > 0 || resumed };
}

function state(ready) {
  const r = req;
  if (!r.reported && r.error !== null) {
    r.reported = true;
    return { s: "error", error: r.error, logs: takeLogs(), waitUntil: r.waitUntil, passThrough: r.passThrough };
  }
  if (!r.reported && r.response !== null) {
    const bodyState = responseBodyState(r.response);
    if (r.body === undefined) {
      if (bodyUsed(bodyState) || (bodyState.source !== null && bodyState.source.kind === "stream" && bodyState.source.stream.locked)) {
        r.reported = true;
        return { s: "error", error: errorInfo(new TypeErr("The Response's body has already been used.")), logs: takeLogs(), waitUntil: r.waitUntil };
      }
      const taken = takeBodyForHost(bodyState);
      r.body = taken.bytes;
      if (taken.reader !== null) {
        // A stream body goes to the host chunk by chunk: the head now, then "streaming" states (see below).
        r.reported = true;
        r.stream = { chunks: [], buffered: 0, resume: null, done: false, error: null, activity: 0, seen: 0 };
        pumpStream(r, taken.reader);
        return {
          s: "done", status: r.response.status, statusText: r.response.statusText, headers: responseHeaders(r),
          body: "", stream: true, length: declaredLength(bodyState.source.stream), logs: takeLogs(),
          waitUntil: r.waitUntil,
        };
      }
    }
    const bytes = r.body;
    if (bytes !== null) {
      r.reported = true;
      bodyState.used = true;
      const st = {
        s: "done", status: r.response.status, statusText: r.response.statusText, headers: responseHeaders(r),
        logs: takeLogs(), waitUntil: r.waitUntil,
      };
      if (exchangeFits(bytes.length)) {
        const out = putInExchange([bytes], bytes.length);
        st.bodyLen = out.len;
        st.xsize = out.xsize;
        if (out.at !== 0) st.bodyAt = out.at;
      } else {
        st.body = bytesToLatin1(bytes);
      }
      return st;
    }
  }
  const timer = nextTimerDelay();
  if (r.stream !== undefined && !r.streamClosed) {
    const st = r.stream;
    const taken = takeChunks(st);
    if (st.activity !== st.seen) { st.seen = st.activity; ready = true; }
    if (taken.more) ready = true; // more is waiting already: poll again at once
    const end = st.done && !taken.more;
    if (end) r.streamClosed = true;
    return {
      s: "streaming", chunkLen: taken.chunkLen, xsize: taken.xsize, end, error: end ? st.error : null, ready, timer,
      ops: takeOps(), outstanding: outstandingOps(), logs: takeLogs(), waitUntil: r.waitUntil,
    };
  }
  if (r.reported) {
    if (r.waitUntil === 0) return { s: "idle", logs: takeLogs() };
    return { s: "draining", ready, timer, ops: takeOps(), outstanding: outstandingOps(), logs: takeLogs(), waitUntil: r.waitUntil };
  }
  return { s: "pending", ready, timer, ops: takeOps(), outstanding: outstandingOps(), logs: takeLogs() };
}

void ObjectPrototypeHasOwnProperty;
void ObjectFreeze;
