// setTimeout / setInterval / clearTimeout / clearInterval and queueMicrotask.
// The runtime owns its timers: Python learns the delay to the next one from each state
// ("timer") and calls poll() when it is due; the clock is the runtime's `now()`.
import { assertInRequest, currentGeneration, defineGlobal, now, onRequestEnd, primordials, pushLog, zeroLengths } from "./00_infra.js";

const { Map: M, MapPrototypeSet, MapPrototypeGet, MapPrototypeDelete, MapPrototypeClear, MapPrototypeValues, ReflectApply,
  ArrayPrototypePush, ArrayPrototypeSort, TypeError: TypeErr, Number: Num, MathMax, PromiseResolve, PromisePrototypeThen, Promise: P } = primordials;

const timers = new M(); // id -> { id, due, seq, interval, callback, args, gen }
let nextId = 1;
let seq = 0;

function toDelay(ms) {
  const n = Num(ms);
  return n > 0 && n < 2147483648 ? n : 0;
}

function add(callback, ms, args, repeat) {
  assertInRequest(repeat ? "setInterval" : "setTimeout");
  if (typeof callback !== "function") throw new TypeErr("The first argument to setTimeout()/setInterval() must be a function.");
  const delay = toDelay(ms);
  const id = nextId++;
  MapPrototypeSet(timers, id, {
    id, due: now() + delay, seq: seq++, interval: repeat ? MathMax(delay, 1) : -1, callback, args, gen: currentGeneration(),
  });
  return id;
}

function setTimeout(callback, ms = 0, ...args) { return add(callback, ms, args, false); }
function setInterval(callback, ms = 0, ...args) { return add(callback, ms, args, true); }
function clearTimeout(id) { if (typeof id === "number") MapPrototypeDelete(timers, id); }

/** Milliseconds until the next timer (0 if one is due), or null if none. */
export function nextTimerDelay() {
  let due = null;
  for (const t of MapPrototypeValues(timers)) if (due === null || t.due < due) due = t.due;
  return due === null ? null : MathMax(0, due - now());
}

/** Runs every timer due at now(), each at most once per call, in (due, creation) order; returns how many ran. */
export function runDueTimers(reportError) {
  const due = [];
  const t = now();
  for (const timer of MapPrototypeValues(timers)) if (timer.due <= t) ArrayPrototypePush(due, timer);
  ArrayPrototypeSort(due, (a, b) => a.due - b.due || a.seq - b.seq);
  let ran = 0;
  for (let i = 0; i < due.length; i++) {
    const timer = due[i];
    if (MapPrototypeGet(timers, timer.id) !== timer || timer.gen !== currentGeneration()) continue;
    if (timer.interval < 0) MapPrototypeDelete(timers, timer.id);
    else { timer.due = t + timer.interval; timer.seq = seq++; }
    ran++;
    try {
      ReflectApply(timer.callback, globalThis, timer.args);
    } catch (e) {
      reportError(e);
    }
  }
  return ran;
}

onRequestEnd(() => MapPrototypeClear(timers));

function queueMicrotask(callback) {
  if (typeof callback !== "function") throw new TypeErr("Failed to execute 'queueMicrotask': parameter 1 is not of type 'Function'.");
  PromisePrototypeThen(PromiseResolve(), () => {
    try { callback(); } catch (e) { pushLog("error", "Uncaught " + (e && e.stack ? e.stack : String(e))); }
  });
}

defineGlobal("setTimeout", setTimeout);
defineGlobal("setInterval", setInterval);
defineGlobal("clearTimeout", clearTimeout);
defineGlobal("clearInterval", function clearInterval(id) { clearTimeout(id); });
defineGlobal("queueMicrotask", queueMicrotask);

// scheduler.wait(ms, { signal }) (workerd): a promise resolved after `ms` on the request's timers;
// an AbortSignal rejects it with the signal's reason and clears the timer.
class Scheduler {
  constructor(key) { if (key !== SCHEDULER) throw new TypeErr("Illegal constructor"); }
  wait(delay, options = undefined) {
    const signal = options !== null && typeof options === "object" && options.signal !== undefined ? options.signal : null;
    return new P((resolve, reject) => {
      if (signal !== null && signal.aborted) { reject(signal.reason); return; }
      const id = add(() => resolve(undefined), delay, [], false);
      if (signal !== null) {
        signal.addEventListener("abort", () => { clearTimeout(id); reject(signal.reason); }, { once: true });
      }
    });
  }
  get [Symbol.toStringTag]() { return "Scheduler"; }
}
const SCHEDULER = primordials.Symbol("scheduler");
defineGlobal("scheduler", zeroLengths(new Scheduler(SCHEDULER))); // wait.length 0, as in workerd
