// Event and EventTarget (DOM §2, minimal: no capture/bubbling, since workers have no tree).
import { defineGlobal, primordials } from "./00_infra.js";

const { ArrayPrototypePush, ArrayPrototypeSlice, ArrayPrototypeSplice, ReflectApply, TypeError: TypeErr, String: Str, Map: M,
  MapPrototypeGet, MapPrototypeSet } = primordials;

export class Event {
  #type;
  #cancelable;
  #defaultPrevented = false;
  #stop = false;
  #timeStamp;
  constructor(type, init = undefined) {
    if (arguments.length === 0) throw new TypeErr("Failed to construct 'Event': 1 argument required, but only 0 present.");
    this.#type = Str(type);
    this.#cancelable = !!(init && init.cancelable);
    this.bubbles = !!(init && init.bubbles);
    this.composed = !!(init && init.composed);
    this.#timeStamp = 0;
  }
  get type() { return this.#type; }
  get cancelable() { return this.#cancelable; }
  get defaultPrevented() { return this.#defaultPrevented; }
  get timeStamp() { return this.#timeStamp; }
  preventDefault() { if (this.#cancelable) this.#defaultPrevented = true; }
  stopImmediatePropagation() { this.#stop = true; }
  stopPropagation() {}
  static isStopped(event) { return event.#stop; }
}

export class EventTarget {
  #listeners = new M();
  addEventListener(type, listener, options = undefined) {
    if (listener === null || listener === undefined) return;
    type = Str(type);
    let list = MapPrototypeGet(this.#listeners, type);
    if (list === undefined) { list = []; MapPrototypeSet(this.#listeners, type, list); }
    for (let i = 0; i < list.length; i++) if (list[i].listener === listener) return;
    const once = typeof options === "object" && options !== null && !!options.once;
    ArrayPrototypePush(list, { listener, once });
  }
  removeEventListener(type, listener) {
    const list = MapPrototypeGet(this.#listeners, Str(type));
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) if (list[i].listener === listener) { ArrayPrototypeSplice(list, i, 1); return; }
  }
  dispatchEvent(event) {
    if (!(event instanceof Event)) throw new TypeErr("The event argument must be an instance of Event.");
    const list = MapPrototypeGet(this.#listeners, event.type);
    if (list === undefined) return true;
    const snapshot = ArrayPrototypeSlice(list);
    for (let i = 0; i < snapshot.length; i++) {
      const { listener, once } = snapshot[i];
      if (once) this.removeEventListener(event.type, listener);
      if (typeof listener === "function") ReflectApply(listener, this, [event]);
      else if (listener && typeof listener.handleEvent === "function") ReflectApply(listener.handleEvent, listener, [event]);
      if (Event.isStopped(event)) break;
    }
    return !event.defaultPrevented;
  }
  /** Internal: the listeners of a type, for the runtime's own dispatch (90_dispatch.js). */
  static listenerCount(target, type) {
    const list = MapPrototypeGet(target.#listeners, type);
    return list === undefined ? 0 : list.length;
  }
}

defineGlobal("Event", Event);
defineGlobal("EventTarget", EventTarget);
