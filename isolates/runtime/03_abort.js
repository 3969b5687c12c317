// AbortController and AbortSignal (DOM Standard §3.1, §3.2): abort(), timeout() (on the runtime's
// timers), any() with dependent signals, reason, throwIfAborted(), onabort.
import { defineGlobal, primordials } from "./00_infra.js";
import { DOMException } from "./01_dom_exception.js";
import { Event, EventTarget, setAbortHooks, trustedEvent } from "./02_event.js";

const { ArrayPrototypePush, TypeError: TypeErr, ReflectApply, Symbol: Sym, Number: Num, NumberIsFinite } = primordials;

const CREATE = Sym("create");
const state = new primordials.WeakMap(); // AbortSignal → { aborted, reason, algorithms, sources, dependents, dependent, onabort }
const WeakMapGet = primordials.uncurryThis(WeakMap.prototype.get);
const WeakMapSet = primordials.uncurryThis(WeakMap.prototype.set);
const WR = WeakRef;
const WeakRefDeref = primordials.uncurryThis(WeakRef.prototype.deref);

function S(signal) {
  const s = signal !== null && typeof signal === "object" ? WeakMapGet(state, signal) : undefined;
  if (s === undefined) throw new TypeErr("Illegal invocation");
  return s;
}

function newSignal() { return new AbortSignal(CREATE); }

function signalAbort(signal, reason) {
  const s = S(signal);
  if (s.aborted) return;
  s.aborted = true;
  s.reason = reason === undefined ? new DOMException("signal is aborted without reason", "AbortError") : reason;
  const toAbort = [];
  for (const ref of s.dependents) {
    const dep = WeakRefDeref(ref);
    if (dep === undefined) continue;
    const d = S(dep);
    if (!d.aborted) { d.aborted = true; d.reason = s.reason; ArrayPrototypePush(toAbort, dep); }
  }
  runAbortSteps(signal);
  for (const dep of toAbort) runAbortSteps(dep);
}

function runAbortSteps(signal) {
  const s = S(signal);
  const algorithms = s.algorithms;
  s.algorithms = [];
  for (const fn of algorithms) fn();
  signal.dispatchEvent(trustedEvent(new Event("abort")));
}

export class AbortSignal extends EventTarget {
  constructor(key = undefined) {
    if (key !== CREATE) throw new TypeErr("Illegal constructor");
    super();
    WeakMapSet(state, this, { aborted: false, reason: undefined, algorithms: [], sources: [], dependents: [], sweepAt: 16, dependent: false, onabort: null, handler: null });
  }
  get aborted() { return S(this).aborted; }
  get reason() { return S(this).reason; }
  throwIfAborted() { const s = S(this); if (s.aborted) throw s.reason; }
  get onabort() { return S(this).onabort; }
  set onabort(fn) {
    const s = S(this);
    s.onabort = typeof fn === "function" || (fn !== null && typeof fn === "object") ? fn : null;
    if (s.handler === null) {
      const self = this;
      s.handler = function (event) { const h = S(self).onabort; if (typeof h === "function") return ReflectApply(h, self, [event]); };
      this.addEventListener("abort", s.handler);
    }
  }
  static abort(reason = undefined) {
    const signal = newSignal();
    signalAbort(signal, reason);
    return signal;
  }
  static timeout(milliseconds) {
    if (arguments.length === 0) throw new TypeErr("Failed to execute 'timeout' on 'AbortSignal': 1 argument required, but only 0 present.");
    const ms = Num(milliseconds);
    if (!NumberIsFinite(ms) || ms < 0) throw new TypeErr("Failed to execute 'timeout' on 'AbortSignal': Value is outside the 'unsigned long long' value range.");
    const signal = newSignal();
    globalThis.setTimeout(() => signalAbort(signal, new DOMException("signal timed out", "TimeoutError")), ms);
    return signal;
  }
  static any(signals) {
    if (arguments.length === 0) throw new TypeErr("Failed to execute 'any' on 'AbortSignal': 1 argument required, but only 0 present.");
    const list = [...signals];
    for (const sig of list) S(sig);
    return dependentSignal(list);
  }
  get [Symbol.toStringTag]() { return "AbortSignal"; }
}

// A source holds its dependents weakly (DOM: a weak set), so a long-lived signal given to many Requests or
// AbortSignal.any() calls does not keep them alive; the dead references are swept as the list grows.
function addDependent(s, signal) {
  if (s.dependents.length >= s.sweepAt) {
    const live = [];
    for (const ref of s.dependents) if (WeakRefDeref(ref) !== undefined) ArrayPrototypePush(live, ref);
    s.dependents = live;
    s.sweepAt = live.length * 2 > 16 ? live.length * 2 : 16;
  }
  ArrayPrototypePush(s.dependents, new WR(signal));
}

/** DOM "create a dependent abort signal" from a list of AbortSignals (AbortSignal.any(), Request's signal). */
export function dependentSignal(list) {
  const result = newSignal();
  for (const sig of list) {
    if (S(sig).aborted) { const r = S(result); r.aborted = true; r.reason = S(sig).reason; return result; }
  }
  const r = S(result);
  r.dependent = true;
  for (const sig of list) {
    const s = S(sig);
    const sources = s.dependent ? s.sources : [sig];
    for (const source of sources) {
      if (r.sources.indexOf(source) !== -1) continue;
      ArrayPrototypePush(r.sources, source);
      addDependent(S(source), result);
    }
  }
  return result;
}

/** Whether `v` is an AbortSignal. */
export function isAbortSignal(v) { return v !== null && typeof v === "object" && WeakMapGet(state, v) !== undefined; }

export class AbortController {
  #signal = newSignal();
  get signal() { return this.#signal; }
  abort(reason = undefined) { signalAbort(this.#signal, reason); }
  get [Symbol.toStringTag]() { return "AbortController"; }
}

setAbortHooks({
  isSignal(v) { return v !== null && typeof v === "object" && WeakMapGet(state, v) !== undefined; },
  aborted(signal) { return S(signal).aborted; },
  onAbort(signal, fn) { ArrayPrototypePush(S(signal).algorithms, fn); },
});

/** For the runtime (fetch, streams): adds an abort algorithm. */
export function addAbortAlgorithm(signal, fn) { ArrayPrototypePush(S(signal).algorithms, fn); }

defineGlobal("AbortSignal", AbortSignal);
defineGlobal("AbortController", AbortController);
