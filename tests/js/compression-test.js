// DecompressionStream errors (Compression Standard): input that ends before the compressed data does, bytes after
// its end, bad checksums; a chunk that is not a BufferSource, a string or undefined errors either stream with
// TypeError, without a reader (strings and undefined are accepted, as in workerd).
function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}
const unhex = (h) => new Uint8Array(h.match(/../g).map((x) => parseInt(x, 16)));
async function collect(readable) {
  const chunks = [];
  for await (const c of readable) chunks.push(...c);
  return new Uint8Array(chunks);
}
async function outcome(promise) {
  try { return new TextDecoder().decode(await promise); } catch (e) { return e instanceof TypeError ? "TypeError" : `other ${e}`; }
}
// Writes `chunks` one by one into a DecompressionStream and reads it all.
function decompress(format, chunks) {
  const ds = new DecompressionStream(format);
  const reading = collect(ds.readable);
  const w = ds.writable.getWriter();
  (async () => { for (const c of chunks) await w.write(c); await w.close(); })().catch(() => {});
  return reading;
}
async function compress(format, bytes) {
  return collect(new Blob([bytes]).stream().pipeThrough(new CompressionStream(format)));
}
const bytewise = (b) => Array.from(b, (x) => new Uint8Array([x]));

export async function wellFormedInputInAnyChunking() {
  const text = new TextEncoder().encode("hello hello hello hello world ".repeat(50));
  for (const format of ["gzip", "deflate", "deflate-raw"]) {
    const c = await compress(format, text);
    eq(await outcome(decompress(format, [c])), new TextDecoder().decode(text), format);
    eq(await outcome(decompress(format, bytewise(c))), new TextDecoder().decode(text), `${format} byte by byte`);
    const empty = await compress(format, new Uint8Array(0));
    eq(await outcome(decompress(format, [empty])), "", `${format} empty`);
  }
  // a gzip header with FEXTRA, FNAME and FCOMMENT
  const hello = "1f8b081c00000000000304006869000061626300636f6d6d656e7400cb48cdc9c9070086a6103605000000";
  eq(await outcome(decompress("gzip", [unhex(hello)])), "hello", "gzip optional header fields");
  eq(await outcome(decompress("gzip", bytewise(unhex(hello)))), "hello", "gzip optional header fields byte by byte");
}

export async function truncatedInputIsATypeError() {
  // a zlib header and an empty stored block that is not the last one
  eq(await outcome(decompress("deflate", [unhex("789c0000ffff")])), "TypeError", "no final block");
  const text = new TextEncoder().encode("some text to compress");
  for (const format of ["gzip", "deflate", "deflate-raw"]) {
    const c = await compress(format, text);
    for (const cut of [0, 1, 2, c.length - 1]) {
      eq(await outcome(decompress(format, [c.subarray(0, cut)])), "TypeError", `${format} cut at ${cut}`);
    }
  }
}

export async function trailingDataIsATypeError() {
  const text = new TextEncoder().encode("trailing");
  for (const format of ["gzip", "deflate", "deflate-raw"]) {
    const c = await compress(format, text);
    const extra = new Uint8Array([...c, 1, 2]);
    eq(await outcome(decompress(format, [extra])), "TypeError", `${format} one chunk`);
    eq(await outcome(decompress(format, [c, new Uint8Array([0])])), "TypeError", `${format} a later chunk`);
    eq(await outcome(decompress(format, [c, new Uint8Array(0)])), "trailing", `${format} an empty later chunk`);
  }
  // a second gzip member is bytes after the end too
  const g = await compress("gzip", text);
  eq(await outcome(decompress("gzip", [new Uint8Array([...g, ...g])])), "TypeError", "two gzip members");
}

export async function checksumsAreVerified() {
  const text = new TextEncoder().encode("checked");
  for (const [format, at] of [["gzip", -8], ["gzip", -1], ["deflate", -1]]) {
    const c = await compress(format, text);
    c[c.length + at] ^= 1;
    eq(await outcome(decompress(format, [c])), "TypeError", `${format} byte ${at}`);
  }
  eq(await outcome(decompress("deflate", [unhex("789d0300")])), "TypeError", "bad zlib header check");
  eq(await outcome(decompress("gzip", [unhex("1f8c08000000000000030300000000000000000000")])), "TypeError", "bad gzip magic");
}

export async function nonBufferSourceChunksError() {
  for (const Stream of [CompressionStream, DecompressionStream]) {
    for (const chunk of [42, null, {}, [1, 2], new String("boxed")]) {
      const s = new Stream("gzip");
      const w = s.writable.getWriter();
      const r = s.readable.getReader();
      // written before anything reads: must not wait for the reader
      const write = await outcome(w.write(chunk));
      eq([write, await outcome(r.read())], ["TypeError", "TypeError"], `${Stream.name} ${JSON.stringify(chunk)}`);
    }
  }
  // through pipeThrough too
  const rs = new ReadableStream({ start(c) { c.enqueue(42); c.close(); } });
  eq(await outcome(collect(rs.pipeThrough(new CompressionStream("deflate")))), "TypeError", "pipeThrough");
}

export async function stringAndUndefinedChunksAreAccepted() {
  // as in workerd: a string is compressed as its UTF-8 bytes (a lone surrogate as U+FFFD), undefined as no bytes
  const rs = new ReadableStream({ start(c) { c.enqueue("h\u00e9 "); c.enqueue(undefined); c.enqueue("\ud800"); c.close(); } });
  const back = await collect(rs.pipeThrough(new CompressionStream("gzip")).pipeThrough(new DecompressionStream("gzip")));
  eq(Array.from(back, (b) => b.toString(16)), ["68", "c3", "a9", "20", "ef", "bf", "bd"]);
  // a DecompressionStream takes a string as bytes too: these are not gzip data
  eq(await outcome(decompress("gzip", ["not gzip"])), "TypeError", "a string that is not compressed data");
}

export async function writesSettleWithoutAReader() {
  // as in workerd: the readable side buffers, so awaiting each write (and close) before reading does not hang
  for (const format of ["gzip", "deflate", "deflate-raw"]) {
    const cs = new CompressionStream(format);
    const w = cs.writable.getWriter();
    for (const part of ["one ", new TextEncoder().encode("two "), "three"]) await w.write(part);
    await w.close();
    const reader = cs.readable.getReader();
    const first = (await reader.read()).value;
    const rest = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest.push(...r.value);
    // the header comes first, on its own, as zlib writes it (a gzip header without a modification time)
    const header = { gzip: "1f8b0800000000000003", deflate: "789c", "deflate-raw": null }[format];
    if (header !== null) eq(Array.from(first, (b) => b.toString(16).padStart(2, "0")).join(""), header, `${format} header`);
    const all = new Uint8Array([...first, ...rest]);
    eq(await outcome(decompress(format, [all])), "one two three", format);
  }
}
