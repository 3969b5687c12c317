// Every Request has an AbortSignal (Fetch: "create a dependent abort signal" from init.signal or the input's).
function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}

export function incomingRequestHasASignal({ request }) {
  eq([request.signal instanceof AbortSignal, request.signal.aborted], [true, false]);
}

export function constructedRequestSignals() {
  const plain = new Request("https://example.com/");
  eq([plain.signal instanceof AbortSignal, plain.signal.aborted], [true, false]);
  eq(new Request("https://example.com/", { signal: null }).signal instanceof AbortSignal, true, "signal: null");

  const c = new AbortController();
  const r = new Request("https://example.com/", { signal: c.signal });
  const copy = new Request(r);
  const clone = r.clone();
  let fired = 0;
  r.signal.addEventListener("abort", () => fired++);
  eq([r.signal.aborted, copy.signal.aborted, clone.signal.aborted], [false, false, false]);
  c.abort("why");
  eq([r.signal.aborted, r.signal.reason, fired], [true, "why", 1]);
  eq([copy.signal.aborted, copy.signal.reason, clone.signal.aborted, clone.signal.reason], [true, "why", true, "why"]);

  // init.signal overrides the input Request's signal, null included
  const other = new Request(r, { signal: null });
  eq(other.signal.aborted, false, "signal: null drops the input's signal");
  const pre = AbortSignal.abort("early");
  eq([new Request("https://example.com/", { signal: pre }).signal.aborted, new Request("https://example.com/", { signal: pre }).signal.reason], [true, "early"]);
}

export function signalMustBeAnAbortSignal() {
  for (const signal of [{}, new EventTarget(), "signal"]) {
    let threw = false;
    try { new Request("https://example.com/", { signal }); } catch (e) { threw = e instanceof TypeError; }
    eq(threw, true, `signal ${String(signal)}`);
  }
}
