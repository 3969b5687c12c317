function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}
function throws(fn, check, what) {
  try { fn(); } catch (e) { if (check(e)) return; throw new Error(`${what}: wrong error ${e}`); }
  throw new Error(`${what}: did not throw`);
}

export function eventConstruction() {
  const e = new Event("x", { bubbles: true, cancelable: true, composed: true });
  eq([e.type, e.bubbles, e.cancelable, e.composed, e.isTrusted, e.eventPhase, e.defaultPrevented],
    ["x", true, true, true, false, 0, false]);
  // no target before dispatch: undefined, as in workerd (the DOM Standard says null)
  eq([e.target === undefined, e.currentTarget === undefined, e.srcElement === undefined], [true, true, true], "before dispatch");
  eq([Event.NONE, Event.CAPTURING_PHASE, Event.AT_TARGET, Event.BUBBLING_PHASE, e.AT_TARGET], [0, 1, 2, 3, 2]);
  throws(() => new Event(), (x) => x instanceof TypeError, "no type");
  e.preventDefault();
  eq([e.defaultPrevented, e.returnValue], [true, false]);
  const n = new Event("y");
  n.preventDefault();
  eq(n.defaultPrevented, false, "not cancelable");
  eq(Object.prototype.toString.call(n), "[object Event]");
  const c = new CustomEvent("c", { detail: { a: 1 } });
  eq([c.detail, c instanceof Event], [{ a: 1 }, true]);
  // detail defaults to undefined, as in workerd (the DOM Standard says null); an explicit null stays
  eq([new CustomEvent("d").detail === undefined, new CustomEvent("d", {}).detail === undefined, new CustomEvent("d", { detail: null }).detail],
    [true, true, null], "detail");
  throws(() => Event.prototype.type, (x) => x instanceof TypeError, "brand check");
  const i = new Event("a");
  i.initEvent("b", true, true);
  eq([i.type, i.bubbles, i.cancelable], ["b", true, true]);
}

export function dispatchOrderAndPhases() {
  const t = new EventTarget();
  const log = [];
  t.addEventListener("x", (e) => log.push(["bubble", e.eventPhase, e.target === t, e.currentTarget === t]));
  t.addEventListener("x", () => log.push(["capture"]), { capture: true });
  const obj = { handleEvent(e) { log.push(["object", this === obj]); } };
  t.addEventListener("x", obj);
  t.addEventListener("x", obj); // duplicate: ignored
  const ev = new Event("x");
  eq(t.dispatchEvent(ev), true);
  eq(log, [["capture"], ["bubble", 2, true, true], ["object", true]]);
  // after dispatch currentTarget is still the target, as in workerd (the DOM Standard resets it to null)
  eq([ev.eventPhase, ev.currentTarget === t, ev.target === t], [0, true, true]);
  throws(() => t.dispatchEvent({ type: "x" }), (x) => x instanceof TypeError, "not an Event");
}

export function removeOnceStopAndCancel() {
  const t = new EventTarget();
  const log = [];
  const a = () => log.push("a");
  t.addEventListener("x", a, { once: true });
  t.addEventListener("x", (e) => { log.push("b"); e.stopImmediatePropagation(); });
  t.addEventListener("x", () => log.push("c"));
  t.dispatchEvent(new Event("x"));
  t.dispatchEvent(new Event("x"));
  eq(log, ["a", "b", "b"]);
  const u = new EventTarget();
  const f = () => log.push("f");
  u.addEventListener("y", f, true);
  u.removeEventListener("y", f); // capture differs: stays
  u.dispatchEvent(new Event("y"));
  u.removeEventListener("y", f, { capture: true });
  u.dispatchEvent(new Event("y"));
  eq(log.filter((x) => x === "f").length, 1);
  const c = new EventTarget();
  c.addEventListener("z", (e) => e.preventDefault());
  c.addEventListener("p", (e) => e.preventDefault(), { passive: true });
  eq(c.dispatchEvent(new Event("z", { cancelable: true })), false);
  eq(c.dispatchEvent(new Event("p", { cancelable: true })), true, "passive");
}

export function listenerErrorsAreReportedNotThrown() {
  const t = new EventTarget();
  let after = false;
  t.addEventListener("x", () => { throw new Error("boom"); });
  t.addEventListener("x", () => { after = true; });
  eq(t.dispatchEvent(new Event("x")), true);
  eq(after, true);
}

export function redispatchAndSubclass() {
  class Emitter extends EventTarget {}
  const t = new Emitter();
  let seen = 0;
  t.addEventListener("x", (e) => { seen++; throws(() => t.dispatchEvent(e), (x) => x.name === "InvalidStateError", "re-dispatch"); });
  t.dispatchEvent(new Event("x"));
  eq(seen, 1);
}

export function signalRemovesListener() {
  const t = new EventTarget();
  const ac = new AbortController();
  let n = 0;
  t.addEventListener("x", () => n++, { signal: ac.signal });
  t.dispatchEvent(new Event("x"));
  ac.abort();
  t.dispatchEvent(new Event("x"));
  t.addEventListener("x", () => n++, { signal: AbortSignal.abort() });
  t.dispatchEvent(new Event("x"));
  eq(n, 1);
}
