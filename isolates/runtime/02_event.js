// Event, CustomEvent and EventTarget (DOM Standard §2). A worker has no node tree, so the event path is
// only the target: capture listeners run before the others at the target, bubbling goes nowhere.
// As in workerd (so Workers code sees what it sees there), an event has no target, currentTarget nor srcElement
// (undefined) until it is dispatched, keeps its currentTarget after dispatch, and a CustomEvent's detail defaults to
// undefined; the DOM Standard says null, null and null.
// An exception in a listener is reported (logged as "Uncaught ..."), not thrown out of dispatchEvent();
// the runtime's own dispatch (90_dispatch.js) uses dispatchRethrowing() so a fetch listener's
// exception fails its request, as on Workers.
import { defineGlobal, now, primordials, pushLog } from "./00_infra.js";
import { DOMException } from "./01_dom_exception.js";

const { ArrayPrototypePush, ArrayPrototypeSlice, ArrayPrototypeSplice, ReflectApply, TypeError: TypeErr, String: Str, Map: M,
  MapPrototypeGet, MapPrototypeSet, ObjectDefineProperty, WeakMap: WM } = primordials;
const WeakMapGet = primordials.uncurryThis(WeakMap.prototype.get);
const WeakMapSet = primordials.uncurryThis(WeakMap.prototype.set);

const NONE = 0, CAPTURING_PHASE = 1, AT_TARGET = 2, BUBBLING_PHASE = 3;

// Per-event internal state, reachable only from this module.
const slots = new WM();
function S(event, what) {
  const s = event !== null && typeof event === "object" ? WeakMapGet(slots, event) : undefined;
  if (s === undefined) throw new TypeErr(`Illegal invocation${what ? ": " + what : ""}`);
  return s;
}

function flag(dict, name) { return dict !== undefined && dict !== null && !!dict[name]; }

export class Event {
  constructor(type, eventInitDict = undefined) {
    if (arguments.length === 0) throw new TypeErr("Failed to construct 'Event': 1 argument required, but only 0 present.");
    if (eventInitDict !== undefined && eventInitDict !== null && typeof eventInitDict !== "object") {
      throw new TypeErr("Failed to construct 'Event': The provided value is not of type 'EventInit'.");
    }
    WeakMapSet(slots, this, {
      type: Str(type), bubbles: flag(eventInitDict, "bubbles"), cancelable: flag(eventInitDict, "cancelable"),
      composed: flag(eventInitDict, "composed"), target: undefined, currentTarget: undefined, phase: NONE, canceled: false,
      stop: false, stopImmediate: false, inPassive: false, dispatching: false, initialized: true, timeStamp: now(),
      trusted: false,
    });
  }
  get type() { return S(this).type; }
  get target() { return S(this).target; }
  get srcElement() { return S(this).target; }
  get currentTarget() { return S(this).currentTarget; }
  composedPath() { const s = S(this); return s.dispatching ? [s.currentTarget] : []; }
  get eventPhase() { return S(this).phase; }
  stopPropagation() { S(this).stop = true; }
  get cancelBubble() { return S(this).stop; }
  set cancelBubble(value) { if (value) S(this).stop = true; }
  stopImmediatePropagation() { const s = S(this); s.stop = true; s.stopImmediate = true; }
  get bubbles() { return S(this).bubbles; }
  get cancelable() { return S(this).cancelable; }
  get returnValue() { return !S(this).canceled; }
  set returnValue(value) { const s = S(this); if (!value && s.cancelable && !s.inPassive) s.canceled = true; }
  preventDefault() { const s = S(this); if (s.cancelable && !s.inPassive) s.canceled = true; }
  get defaultPrevented() { return S(this).canceled; }
  get composed() { return S(this).composed; }
  get isTrusted() { return S(this).trusted; }
  get timeStamp() { return S(this).timeStamp; }
  initEvent(type, bubbles = false, cancelable = false) {
    const s = S(this);
    if (arguments.length === 0) throw new TypeErr("Failed to execute 'initEvent' on 'Event': 1 argument required, but only 0 present.");
    if (s.dispatching) return;
    s.initialized = true; s.stop = false; s.stopImmediate = false; s.canceled = false; s.target = undefined;
    s.type = Str(type); s.bubbles = !!bubbles; s.cancelable = !!cancelable;
  }
  get [Symbol.toStringTag]() { return "Event"; }
}
for (const [name, value] of [["NONE", NONE], ["CAPTURING_PHASE", CAPTURING_PHASE], ["AT_TARGET", AT_TARGET], ["BUBBLING_PHASE", BUBBLING_PHASE]]) {
  ObjectDefineProperty(Event, name, { value, enumerable: true });
  ObjectDefineProperty(Event.prototype, name, { value, enumerable: true });
}

export class CustomEvent extends Event {
  #detail;
  constructor(type, eventInitDict = undefined) {
    if (arguments.length === 0) throw new TypeErr("Failed to construct 'CustomEvent': 1 argument required, but only 0 present.");
    super(type, eventInitDict);
    this.#detail = eventInitDict !== undefined && eventInitDict !== null ? eventInitDict.detail : undefined;
  }
  get detail() { return this.#detail; }
  initCustomEvent(type, bubbles = false, cancelable = false, detail = null) {
    if (S(this).dispatching) return;
    this.initEvent(type, bubbles, cancelable);
    this.#detail = detail;
  }
  get [Symbol.toStringTag]() { return "CustomEvent"; }
}

// ---- EventTarget -----------------------------------------------------------------------

const targets = new WM(); // EventTarget → Map(type → [listener])

function listenersOf(target) {
  const map = target !== null && typeof target === "object" ? WeakMapGet(targets, target) : undefined;
  if (map === undefined) throw new TypeErr("Illegal invocation");
  return map;
}

function flattenOptions(options) {
  if (options === null || typeof options !== "object") return { capture: !!options, once: false, passive: false, signal: null };
  const signal = options.signal === undefined ? null : options.signal;
  return { capture: !!options.capture, once: !!options.once, passive: !!options.passive, signal };
}

/** Set by 03_abort.js: (signal) → whether it is an AbortSignal, is aborted, and a way to add an abort algorithm. */
let abortHooks = null;
export function setAbortHooks(hooks) { abortHooks = hooks; }

export class EventTarget {
  constructor() { WeakMapSet(targets, this, new M()); }

  addEventListener(type, callback, options = undefined) {
    const map = listenersOf(this);
    if (arguments.length < 2) throw new TypeErr(`Failed to execute 'addEventListener' on 'EventTarget': 2 arguments required, but only ${arguments.length} present.`);
    const { capture, once, passive, signal } = flattenOptions(options);
    if (signal !== null && (abortHooks === null || !abortHooks.isSignal(signal))) {
      throw new TypeErr("Failed to execute 'addEventListener' on 'EventTarget': member signal is not of type 'AbortSignal'.");
    }
    if (callback === null || callback === undefined) return;
    if (typeof callback !== "function" && typeof callback !== "object") {
      throw new TypeErr("Failed to execute 'addEventListener' on 'EventTarget': The callback provided as parameter 2 is not an object.");
    }
    if (signal !== null && abortHooks.aborted(signal)) return;
    type = Str(type);
    let list = MapPrototypeGet(map, type);
    if (list === undefined) { list = []; MapPrototypeSet(map, type, list); }
    for (let i = 0; i < list.length; i++) if (list[i].callback === callback && list[i].capture === capture) return;
    const listener = { callback, capture, once, passive, removed: false };
    ArrayPrototypePush(list, listener);
    if (signal !== null) abortHooks.onAbort(signal, () => removeListener(map, type, listener));
  }

  removeEventListener(type, callback, options = undefined) {
    const map = listenersOf(this);
    if (arguments.length < 2) throw new TypeErr(`Failed to execute 'removeEventListener' on 'EventTarget': 2 arguments required, but only ${arguments.length} present.`);
    const capture = options !== null && typeof options === "object" ? !!options.capture : !!options;
    const list = MapPrototypeGet(map, Str(type));
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      if (list[i].callback === callback && list[i].capture === capture) { list[i].removed = true; ArrayPrototypeSplice(list, i, 1); return; }
    }
  }

  dispatchEvent(event) {
    listenersOf(this);
    if (arguments.length === 0) throw new TypeErr("Failed to execute 'dispatchEvent' on 'EventTarget': 1 argument required, but only 0 present.");
    return dispatch(this, event, null);
  }

  get [Symbol.toStringTag]() { return "EventTarget"; }
}

function removeListener(map, type, listener) {
  const list = MapPrototypeGet(map, type);
  if (list === undefined) return;
  for (let i = 0; i < list.length; i++) if (list[i] === listener) { listener.removed = true; ArrayPrototypeSplice(list, i, 1); return; }
}

/** Internal: an event the platform dispatches (its isTrusted is true), e.g. AbortSignal's "abort". */
export function trustedEvent(event) { S(event).trusted = true; return event; }

/** Reports an exception as uncaught (logged as "Uncaught ..."): listener exceptions, reportError(). */
export function reportException(e) { report(e); }

function report(e) {
  let text;
  try { text = e !== null && typeof e === "object" && typeof e.stack === "string" ? e.stack : Str(e); } catch { text = "(an exception)"; }
  pushLog("error", "Uncaught " + text);
}

function dispatch(target, event, errors) {
  let s;
  try { s = S(event); } catch { throw new TypeErr("Failed to execute 'dispatchEvent' on 'EventTarget': parameter 1 is not of type 'Event'."); }
  if (s.dispatching || !s.initialized) throw new DOMException("The event is already being dispatched.", "InvalidStateError");
  s.dispatching = true;
  s.target = target;
  s.currentTarget = target;
  s.phase = AT_TARGET;
  const list = MapPrototypeGet(WeakMapGet(targets, target), s.type);
  if (list !== undefined && !s.stop) {
    const snapshot = ArrayPrototypeSlice(list);
    for (const phaseCapture of [true, false]) {
      for (let i = 0; i < snapshot.length; i++) {
        const l = snapshot[i];
        if (l.removed || l.capture !== phaseCapture) continue;
        if (l.once) removeListener(WeakMapGet(targets, target), s.type, l);
        let fn = l.callback, thisArg = target;
        try {
          if (typeof fn !== "function") {
            thisArg = fn;
            fn = fn.handleEvent;
            if (typeof fn !== "function") throw new TypeErr("The listener's handleEvent is not a function.");
          }
          if (l.passive) s.inPassive = true;
          ReflectApply(fn, thisArg, [event]);
        } catch (e) {
          if (errors !== null) ArrayPrototypePush(errors, e);
          else report(e);
        }
        s.inPassive = false;
        if (s.stopImmediate) break;
      }
      if (s.stopImmediate) break;
    }
  }
  s.phase = NONE; // currentTarget stays the target (workerd; the DOM Standard resets it to null)
  s.dispatching = false;
  s.stop = false;
  s.stopImmediate = false;
  return !s.canceled;
}

/** The runtime's dispatch: like dispatchEvent(), but the first listener exception is thrown after it. */
export function dispatchRethrowing(target, event) {
  const errors = [];
  const result = dispatch(target, event, errors);
  if (errors.length > 0) throw errors[0];
  return result;
}

/** Internal: how many listeners a target has for a type (90_dispatch.js). */
export function listenerCount(target, type) {
  const list = MapPrototypeGet(listenersOf(target), type);
  return list === undefined ? 0 : list.length;
}

defineGlobal("Event", Event);
defineGlobal("CustomEvent", CustomEvent);
defineGlobal("EventTarget", EventTarget);
