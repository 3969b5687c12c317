function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}
async function rejects(promise, cls, what) {
  try { await promise; } catch (e) { if (e instanceof cls) return; throw new Error(`${what}: wrong error ${e}`); }
  throw new Error(`${what}: did not reject`);
}
async function collect(readable) {
  const out = [];
  for await (const chunk of readable) out.push(chunk);
  return out;
}
const enc = new TextEncoder();

export async function globalsAreInterfaces() {
  for (const name of ["ReadableStream", "WritableStream", "TransformStream", "ReadableStreamDefaultReader",
    "ReadableStreamBYOBReader", "ByteLengthQueuingStrategy", "CountQueuingStrategy", "TextEncoderStream",
    "TextDecoderStream", "CompressionStream", "DecompressionStream"]) {
    eq(typeof globalThis[name], "function", name);
    const d = Object.getOwnPropertyDescriptor(globalThis, name);
    eq([d.writable, d.enumerable, d.configurable], [true, false, true], name + " descriptor");
  }
  eq(Object.prototype.toString.call(new ReadableStream()), "[object ReadableStream]");
}

export async function readableDefault() {
  const rs = new ReadableStream({ start(c) { c.enqueue("a"); c.enqueue("b"); c.close(); } });
  const reader = rs.getReader();
  eq(rs.locked, true);
  eq(await reader.read(), { value: "a", done: false });
  eq(await reader.read(), { value: "b", done: false });
  eq(await reader.read(), { done: true });
  let pulls = 0;
  const pulled = new ReadableStream({ pull(c) { if (++pulls > 3) c.close(); else c.enqueue(pulls); } }, new CountQueuingStrategy({ highWaterMark: 1 }));
  eq(await collect(pulled), [1, 2, 3]);
  const errored = new ReadableStream({ start(c) { c.error(new RangeError("x")); } });
  await rejects(errored.getReader().read(), RangeError, "errored read");
  eq(await collect(ReadableStream.from(["x", "y"])), ["x", "y"]);
}

export async function byobReader() {
  const rs = new ReadableStream({
    type: "bytes",
    pull(c) {
      const req = c.byobRequest;
      req.view[0] = 7; req.view[1] = 8;
      req.respond(2);
      c.close();
    },
  });
  const reader = rs.getReader({ mode: "byob" });
  const { value, done } = await reader.read(new Uint8Array(4));
  eq([done, [...value]], [false, [7, 8]]);
  eq((await reader.read(new Uint8Array(4))).done, true);
}

export async function writableAndTransform() {
  const written = [];
  const ws = new WritableStream({ write(chunk) { written.push(chunk); } }, new ByteLengthQueuingStrategy({ highWaterMark: 16 }));
  const writer = ws.getWriter();
  await writer.write(new Uint8Array(3));
  await writer.close();
  eq(written.length, 1);
  const upper = new TransformStream({ transform(chunk, c) { c.enqueue(chunk.toUpperCase()); } });
  const rs = new ReadableStream({ start(c) { c.enqueue("ab"); c.enqueue("c"); c.close(); } });
  eq(await collect(rs.pipeThrough(upper)), ["AB", "C"]);
  const sink = [];
  await new ReadableStream({ start(c) { c.enqueue(1); c.close(); } }).pipeTo(new WritableStream({ write(x) { sink.push(x); } }));
  eq(sink, [1]);
  const [a, b] = new ReadableStream({ start(c) { c.enqueue("t"); c.close(); } }).tee();
  eq([await collect(a), await collect(b)], [["t"], ["t"]]);
}

export async function textStreams() {
  const bytes = enc.encode("h€llo 😀");
  const rs = new ReadableStream({ start(c) { for (const b of bytes) c.enqueue(new Uint8Array([b])); c.close(); } });
  eq((await collect(rs.pipeThrough(new TextDecoderStream()))).join(""), "h€llo 😀");
  const te = new TextEncoderStream();
  eq(te.encoding, "utf-8");
  const out = collect(te.readable);
  const w = te.writable.getWriter();
  await w.write("\ud83d"); await w.write("\ude00!"); await w.close();
  const all = (await out).flatMap((c) => [...c]);
  eq(all, [...enc.encode("😀!")]);
  eq(new TextDecoderStream("utf-16le").encoding, "utf-16le");
}

async function roundTrip(format, text) {
  const compressed = new Response(new Blob0(text).pipeThrough(new CompressionStream(format)));
  const bytes = await compressed.bytes();
  const back = new Response(new Response(bytes).body.pipeThrough(new DecompressionStream(format)));
  return [bytes, await back.text()];
}
class Blob0 { constructor(t) { return new ReadableStream({ start(c) { c.enqueue(enc.encode(t)); c.close(); } }); } }

export async function compression() {
  const text = "hello hello hello hello ".repeat(50);
  for (const format of ["gzip", "deflate", "deflate-raw"]) {
    const [bytes, back] = await roundTrip(format, text);
    eq(back, text, format);
    if (bytes.length >= text.length) throw new Error(format + " did not compress");
  }
  const [gz] = await roundTrip("gzip", "x");
  eq([gz[0], gz[1]], [0x1f, 0x8b], "gzip magic");
  let threw = false;
  try { new CompressionStream("brotli"); } catch (e) { threw = e instanceof TypeError; }
  eq(threw, true, "unknown format");
  const bad = new Response(new Response(new Uint8Array([1, 2, 3])).body.pipeThrough(new DecompressionStream("gzip")));
  await rejects(bad.arrayBuffer(), TypeError, "corrupt gzip");
}

export async function bodiesAreStreams({ request }) {
  eq(request.body instanceof ReadableStream, true);
  eq(await new Response(request.body).text(), "request body");
  eq(request.bodyUsed, true);
  const r = new Response("abc");
  const reader = r.body.getReader();
  eq(r.bodyUsed, false);
  eq([...(await reader.read()).value], [97, 98, 99]);
  eq(r.bodyUsed, true);
  await rejects(r.text(), TypeError, "read after body read");
  const s = new Response(new ReadableStream({ start(c) { c.enqueue(enc.encode("st")); c.enqueue(enc.encode("ream")); c.close(); } }));
  const c = s.clone();
  eq([await s.text(), await c.text()], ["stream", "stream"]);
  const locked = new ReadableStream();
  locked.getReader();
  let threw = false;
  try { new Response(locked); } catch (e) { threw = e instanceof TypeError; }
  eq(threw, true, "locked stream body");
  const notBytes = new Response(new ReadableStream({ start(c) { c.enqueue("text"); c.close(); } }));
  await rejects(notBytes.text(), TypeError, "non-byte chunk");
}
