// IdentityTransformStream and FixedLengthStream (workerd): byte TransformStreams; FixedLengthStream checks the
// number of bytes that go through it.
function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}
async function outcome(promise) {
  try { const v = await promise; return v === undefined ? "undefined" : v; } catch (e) { return e instanceof TypeError ? "TypeError" : `other ${e}`; }
}
function throwsType(fn, what) {
  try { fn(); } catch (e) { if (e instanceof TypeError) return; throw new Error(`${what}: wrong error ${e}`); }
  throw new Error(`${what}: did not throw`);
}

export async function identityTransformStreamPassesBytes() {
  const s = new IdentityTransformStream();
  eq([s instanceof TransformStream, Object.prototype.toString.call(s), IdentityTransformStream.name], [true, "[object IdentityTransformStream]", "IdentityTransformStream"]);
  const w = s.writable.getWriter();
  eq(w.desiredSize, 1);
  const r = s.readable.getReader({ mode: "byob" }); // the readable side is a byte stream
  w.write(new Uint8Array([1, 2, 3]));
  w.write(new Uint8Array(0)); // empty chunks are skipped
  w.write(new Uint16Array([0x0504]).buffer);
  w.close();
  const a = await r.read(new Uint8Array(2));
  const b = await r.read(new Uint8Array(8));
  const c = await r.read(new Uint8Array(8));
  const d = await r.read(new Uint8Array(8));
  eq([[...a.value], [...b.value], [...c.value], d.done], [[1, 2], [3], [4, 5], true]);
  const piped = new IdentityTransformStream();
  new Blob(["hello ", "world"]).stream().pipeTo(piped.writable);
  eq(await new Response(piped.readable).text(), "hello world");
  eq(new IdentityTransformStream({ highWaterMark: 10 }).writable.getWriter().desiredSize, 10);
  throwsType(() => new IdentityTransformStream(5), "options that are not an object");
}

export async function identityTransformStreamErrors() {
  const s = new IdentityTransformStream();
  const w = s.writable.getWriter();
  const r = s.readable.getReader();
  eq([await outcome(w.write(42)), await outcome(r.read())], ["TypeError", "TypeError"], "a number chunk");
  // as in workerd, a string goes through as its UTF-8 bytes and undefined as no bytes
  const t = new FixedLengthStream(3);
  const tw = t.writable.getWriter();
  const text = new Response(t.readable).text();
  tw.write(undefined);
  tw.write("h\u00e9");
  tw.close();
  eq(await text, "h\u00e9", "a string chunk");
  const c = new IdentityTransformStream();
  const cw = c.writable.getWriter();
  const pending = cw.write(new Uint8Array([1]));
  await c.readable.cancel(new TypeError("stop"));
  eq(await outcome(pending), "TypeError", "a write pending when the readable is cancelled");
  const a = new IdentityTransformStream();
  const ar = a.readable.getReader();
  a.writable.abort(new TypeError("abort"));
  eq(await outcome(ar.read()), "TypeError", "abort errors the readable");
}

export async function fixedLengthStreamChecksTheLength() {
  const ok = new FixedLengthStream(3);
  eq([ok instanceof IdentityTransformStream, ok instanceof TransformStream, Object.prototype.toString.call(ok)], [true, true, "[object FixedLengthStream]"]);
  const body = new Response(ok.readable).arrayBuffer();
  const w = ok.writable.getWriter();
  w.write(new Uint8Array([1, 2]));
  w.write(new Uint8Array([3]));
  eq(await outcome(w.close()), "undefined");
  eq([...new Uint8Array(await body)], [1, 2, 3]);

  const big = new FixedLengthStream(2);
  const bw = big.writable.getWriter();
  const br = big.readable.getReader();
  eq([await outcome(bw.write(new Uint8Array([1, 2, 3]))), await outcome(br.read())], ["TypeError", "TypeError"], "too many bytes");

  const small = new FixedLengthStream(4n);
  const sw = small.writable.getWriter();
  const sr = small.readable.getReader();
  sw.write(new Uint8Array([1, 2, 3]));
  eq([...(await sr.read()).value], [1, 2, 3]);
  eq([await outcome(sw.close()), await outcome(sr.read())], ["TypeError", "TypeError"], "too few bytes");

  for (const bad of [-1, 2 ** 53, NaN, "x"]) throwsType(() => new FixedLengthStream(bad), `expectedLength ${bad}`);
  throwsType(() => new FixedLengthStream(), "no expectedLength");
  new FixedLengthStream(0);
  new FixedLengthStream("3");
}
