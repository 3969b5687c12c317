function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}

export function controllerAndSignal() {
  const ac = new AbortController();
  const s = ac.signal;
  eq([s.aborted, s.reason, s instanceof EventTarget], [false, undefined, true]);
  let events = 0, handler = 0;
  s.addEventListener("abort", (e) => { events++; eq([e.type, e.target === s], ["abort", true]); });
  s.onabort = () => { handler++; };
  ac.abort();
  ac.abort();
  eq([s.aborted, events, handler], [true, 1, 1]);
  eq([s.reason instanceof DOMException, s.reason.name, s.reason.code], [true, "AbortError", 20]);
  try { s.throwIfAborted(); throw new Error("no throw"); } catch (e) { eq(e, s.reason); }
  const r = new AbortController();
  r.abort("why");
  eq(r.signal.reason, "why");
  let threw = false;
  try { new AbortSignal(); } catch (e) { threw = e instanceof TypeError; }
  eq(threw, true, "AbortSignal is not constructible");
}

export function staticAbortAndAny() {
  const a = AbortSignal.abort(42);
  eq([a.aborted, a.reason], [true, 42]);
  const c1 = new AbortController(), c2 = new AbortController();
  const any = AbortSignal.any([c1.signal, c2.signal]);
  const nested = AbortSignal.any([any]);
  let fired = 0;
  any.addEventListener("abort", () => fired++);
  eq(any.aborted, false);
  c2.abort("second");
  eq([any.aborted, any.reason, nested.aborted, nested.reason, fired], [true, "second", true, "second", 1]);
  c1.abort("first");
  eq(any.reason, "second");
  eq(AbortSignal.any([AbortSignal.abort("x"), c1.signal]).reason, "x");
  eq(AbortSignal.any([]).aborted, false);
}

export async function timeout() {
  const s = AbortSignal.timeout(5);
  eq(s.aborted, false);
  await new Promise((resolve) => s.addEventListener("abort", resolve));
  eq([s.aborted, s.reason.name, s.reason.code], [true, "TimeoutError", 23]);
}

export async function abortsAPipe() {
  const ac = new AbortController();
  const rs = new ReadableStream({ pull() { return new Promise(() => {}); } });
  const done = rs.pipeTo(new WritableStream(), { signal: ac.signal });
  ac.abort(new RangeError("stop"));
  try { await done; throw new Error("no rejection"); } catch (e) { eq(e instanceof RangeError, true); }
}
