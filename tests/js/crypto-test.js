function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}

export function getRandomValues() {
  const a = crypto.getRandomValues(new Uint8Array(64));
  const b = crypto.getRandomValues(new Uint8Array(64));
  eq(a.some((x) => x !== 0), true, "non-zero");
  eq(a.join() === b.join(), false, "distinct");
  eq(crypto.getRandomValues(new Uint32Array(4)).length, 4);
  crypto.getRandomValues(new Uint8Array(65536));
  let err = null;
  try { crypto.getRandomValues(new Uint8Array(65537)); } catch (e) { err = e; }
  eq([err instanceof DOMException, err && err.name], [true, "QuotaExceededError"]);
  err = null;
  try { crypto.getRandomValues(new Float32Array(2)); } catch (e) { err = e; }
  eq(err && err.name, "TypeMismatchError");
}

export function randomUUID() {
  const u = crypto.randomUUID();
  eq(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u), true, u);
  eq(u === crypto.randomUUID(), false);
}

export function mathRandomIsNotTheSource() {
  const saved = Math.random;
  Math.random = () => 0;
  try {
    eq(crypto.getRandomValues(new Uint8Array(16)).some((x) => x !== 0), true);
  } finally {
    Math.random = saved;
  }
}
