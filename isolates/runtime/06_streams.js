// Streams (WHATWG Streams): ReadableStream (default and byte streams, BYOB readers), WritableStream,
// TransformStream, the queuing strategies, from `web-streams-polyfill` (its ponyfill build, the spec's
// reference implementation); TextEncoderStream/TextDecoderStream (WHATWG Encoding) and
// CompressionStream/DecompressionStream (WHATWG Compression; `fflate` underneath) built on them.
// All of them are evaluated on first use of any of these globals (see defineLazyGlobals in 00_infra.js).
import { defineLazyGlobals, primordials } from "./00_infra.js";
import { TextDecoder as DecoderCtor, TextEncoder as EncoderCtor } from "@exodus/bytes/encoding-lite.js";
import loadStreams from "edgeworker:lazy/streams";
import loadFflate from "edgeworker:lazy/fflate";

const { TypeError: TypeErr, String: Str, ArrayBufferIsView, ArrayBuffer: AB, Uint8Array: U8, ObjectDefineProperty,
  ObjectPrototypeToString, Number: Num, Promise } = primordials;

// The declared length of each FixedLengthStream's readable side: a response whose body is one goes out with a
// Content-Length instead of chunked (as on Workers); see 90_dispatch.js.
const { WeakMap: WM, uncurryThis: unThis } = primordials;
const knownLengths = new WM();
const WeakMapSet = unThis(WM.prototype.set);
const WeakMapGet = unThis(WM.prototype.get);
export function declaredLength(stream) {
  const n = WeakMapGet(knownLengths, stream);
  return typeof n === "number" ? n : null;
}

const STREAM_NAMES = [
  "ReadableStream", "ReadableStreamDefaultReader", "ReadableStreamBYOBReader", "ReadableStreamBYOBRequest",
  "ReadableStreamDefaultController", "ReadableByteStreamController", "WritableStream", "WritableStreamDefaultWriter",
  "WritableStreamDefaultController", "TransformStream", "TransformStreamDefaultController", "ByteLengthQueuingStrategy",
  "CountQueuingStrategy",
];
const NAMES = [...STREAM_NAMES, "TextEncoderStream", "TextDecoderStream", "CompressionStream", "DecompressionStream",
  "IdentityTransformStream", "FixedLengthStream"];

// The writable side of workerd's byte transforms (CompressionStream, DecompressionStream, IdentityTransformStream,
// FixedLengthStream) also takes a string, as its UTF-8 bytes (a lone surrogate as U+FFFD), and undefined, as no
// bytes; the Compression Standard allows only a BufferSource. Workers code relies on it, so edgeworker does too.
let utf8Encoder = null;
function writtenBytes(chunk, what) {
  if (typeof chunk === "string") {
    if (utf8Encoder === null) utf8Encoder = new EncoderCtor();
    return utf8Encoder.encode(chunk);
  }
  if (chunk === undefined) return new U8(0);
  return toBytes(chunk, what).slice();
}

function toBytes(chunk, what) {
  if (chunk instanceof AB || ObjectPrototypeToString(chunk) === "[object ArrayBuffer]") return new U8(chunk);
  if (ArrayBufferIsView(chunk)) return new U8(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeErr(`${what}: the chunk must be an ArrayBuffer or an ArrayBufferView.`);
}

// ---- decompression ----------------------------------------------------------------------
// fflate's streaming Inflate decodes the raw deflate data; the zlib (RFC 1950) and gzip (RFC 1952) framing is
// parsed and checked here: header, Adler-32 / CRC-32 and size trailer, and the end of the stream, after which
// any byte is an error (Compression Standard). fflate marks the end of the last block in its state `s`:
// `s.f` (BFINAL seen) with no block in progress (`s.l`); `s.p` is the bit position in the unconsumed bytes `p`.

let crcTable = null;
function crc32(crc, bytes) {
  if (crcTable === null) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

function adler32(adler, bytes) {
  let a = adler & 0xffff, b = adler >>> 16;
  for (let i = 0; i < bytes.length;) {
    const end = i + 3800 < bytes.length ? i + 3800 : bytes.length;
    for (; i < end; i++) { a += bytes[i]; b += a; }
    a %= 65521; b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function concat(a, b) {
  if (a.length === 0) return b;
  const out = new U8(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The length of the gzip header at the start of `b`, or -1 if more bytes are needed; throws if it is invalid. */
function gzipHeaderLength(b) {
  if (b.length >= 1 && b[0] !== 0x1f) throw new Error("invalid gzip data");
  if (b.length >= 2 && b[1] !== 0x8b) throw new Error("invalid gzip data");
  if (b.length >= 3 && b[2] !== 8) throw new Error("unknown compression method");
  if (b.length < 10) return -1;
  const flags = b[3];
  if (flags & 0xe0) throw new Error("invalid gzip header flags");
  let at = 10;
  if (flags & 4) {
    if (b.length < at + 2) return -1;
    at += 2 + (b[at] | (b[at + 1] << 8));
  }
  for (const flag of [8, 16]) {
    if (flags & flag) {
      while (at < b.length && b[at] !== 0) at++;
      if (at >= b.length) return -1;
      at++;
    }
  }
  if (flags & 2) at += 2;
  return at <= b.length ? at : -1;
}

function decompressor(f, format, enqueue) {
  const TRAILER = format === "gzip" ? 8 : format === "deflate" ? 4 : 0;
  let stage = format === "deflate-raw" ? "body" : "header";
  let pending = new U8(0); // header or trailer bytes gathered so far
  let check = format === "gzip" ? 0 : 1, size = 0;
  let inflate = null;
  const startBody = () => {
    stage = "body";
    inflate = new f.Inflate((data) => {
      if (data.length === 0) return;
      if (format === "gzip") check = crc32(check, data);
      else if (format === "deflate") check = adler32(check, data);
      size = (size + data.length) >>> 0;
      enqueue(data);
    });
  };
  if (stage === "body") startBody();
  const trailer = (bytes) => {
    pending = concat(pending, bytes);
    if (pending.length > TRAILER) throw new Error("junk found after the end of the compressed data");
    if (pending.length < TRAILER) return;
    const p = pending;
    if (format === "deflate") {
      if ((((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0) !== check) throw new Error("incorrect data check");
    } else {
      if (((p[0] | (p[1] << 8) | (p[2] << 16) | (p[3] << 24)) >>> 0) !== check) throw new Error("incorrect data check");
      if (((p[4] | (p[5] << 8) | (p[6] << 16) | (p[7] << 24)) >>> 0) !== size) throw new Error("incorrect length check");
    }
    stage = "done";
  };
  const push = (bytes) => {
    if (stage === "done") {
      if (bytes.length > 0) throw new Error("junk found after the end of the compressed data");
      return;
    }
    if (stage === "header") {
      pending = concat(pending, bytes);
      let length;
      if (format === "deflate") {
        if (pending.length < 2) return;
        const cmf = pending[0], flg = pending[1];
        if ((cmf & 15) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0) throw new Error("invalid zlib header");
        if (flg & 32) throw new Error("a preset dictionary is not supported");
        length = 2;
      } else {
        length = gzipHeaderLength(pending);
        if (length < 0) return;
      }
      bytes = pending.subarray(length);
      pending = new U8(0);
      startBody();
    }
    if (stage === "body") {
      if (bytes.length === 0) return;
      inflate.push(bytes, false);
      const st = inflate.s;
      if (!(st.f && !st.l)) return;
      const rest = inflate.p.subarray((st.p + 7) >> 3);
      inflate = null;
      if (TRAILER === 0) {
        stage = "done";
        if (rest.length > 0) throw new Error("junk found after the end of the compressed data");
        return;
      }
      stage = "trailer";
      trailer(rest);
      return;
    }
    trailer(bytes);
  };
  const finish = () => { if (stage !== "done") throw new Error("the compressed data ended too early"); };
  return { push, finish };
}

// ---- compression ------------------------------------------------------------------------
// fflate's raw Deflate compresses; the zlib and gzip framing is written here, the header as a chunk of its own on the
// first write (as workerd's zlib gives it out), and a gzip header with no modification time (0) and OS 3 (Unix), as
// zlib writes it (fflate would put the time in).

const GZIP_HEADER = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
const ZLIB_HEADER = [0x78, 0x9c];

function compressor(f, format, enqueue) {
  let check = format === "gzip" ? 0 : 1, size = 0, started = false;
  const deflate = new f.Deflate((data) => enqueue(data));
  const start = () => {
    started = true;
    if (format === "gzip") enqueue(new U8(GZIP_HEADER));
    else if (format === "deflate") enqueue(new U8(ZLIB_HEADER));
  };
  const push = (bytes) => {
    if (!started) start();
    if (format === "gzip") check = crc32(check, bytes);
    else if (format === "deflate") check = adler32(check, bytes);
    size = (size + bytes.length) >>> 0;
    deflate.push(bytes, false);
  };
  const finish = () => {
    if (!started) start();
    deflate.push(new U8(0), true);
    if (format === "gzip") {
      enqueue(new U8([check, check >>> 8, check >>> 16, check >>> 24, size, size >>> 8, size >>> 16, size >>> 24]));
    } else if (format === "deflate") {
      enqueue(new U8([check >>> 24, check >>> 16, check >>> 8, check]));
    }
  };
  return { push, finish };
}

function tag(klass, name) {
  ObjectDefineProperty(klass.prototype, Symbol.toStringTag, { value: name, configurable: true });
}

function build() {
  const s = loadStreams();
  // The lazy part is minified without esbuild's keepNames (it would add a call per function, and make the first
  // use of a stream several times slower): the classes get their names back here.
  for (const name of STREAM_NAMES) ObjectDefineProperty(s[name], "name", { value: name, configurable: true });
  const { TransformStream } = s;
  // TextEncoderStream: UTF-8; a lone high surrogate at the end of a chunk waits for the next one.
  class TextEncoderStream {
    #transform;
    constructor() {
      const encoder = new EncoderCtor();
      let pending = "";
      this.#transform = new TransformStream({
        transform(chunk, controller) {
          let text = pending + Str(chunk);
          pending = "";
          const last = text.length > 0 ? text.charCodeAt(text.length - 1) : 0;
          if (last >= 0xd800 && last <= 0xdbff) { pending = text.slice(-1); text = text.slice(0, -1); }
          if (text.length > 0) controller.enqueue(encoder.encode(text));
        },
        flush(controller) { if (pending !== "") controller.enqueue(new U8([0xef, 0xbf, 0xbd])); },
      });
    }
    get encoding() { return "utf-8"; }
    get readable() { return this.#transform.readable; }
    get writable() { return this.#transform.writable; }
  }
  tag(TextEncoderStream, "TextEncoderStream");

  class TextDecoderStream {
    #decoder;
    #transform;
    constructor(label = "utf-8", options = undefined) {
      const decoder = new DecoderCtor(label, options);
      this.#decoder = decoder;
      this.#transform = new TransformStream({
        transform(chunk, controller) {
          const text = decoder.decode(toBytes(chunk, "TextDecoderStream"), { stream: true });
          if (text !== "") controller.enqueue(text);
        },
        flush(controller) {
          const text = decoder.decode();
          if (text !== "") controller.enqueue(text);
        },
      });
    }
    get encoding() { return this.#decoder.encoding; }
    get fatal() { return this.#decoder.fatal; }
    get ignoreBOM() { return this.#decoder.ignoreBOM; }
    get readable() { return this.#transform.readable; }
    get writable() { return this.#transform.writable; }
  }
  tag(TextDecoderStream, "TextDecoderStream");

  const FORMATS = ["gzip", "deflate", "deflate-raw"];
  let fflate = null;
  function codecStream(format, compress, what) {
    format = Str(format);
    if (FORMATS.indexOf(format) === -1) {
      throw new TypeErr(`Failed to construct '${what}': Unsupported compression format: '${format}'`);
    }
    if (fflate === null) fflate = loadFflate();
    let controllerRef = null;
    const enqueue = (data) => { if (data.length > 0) controllerRef.enqueue(data); };
    const { push, finish } = compress ? compressor(fflate, format, enqueue) : decompressor(fflate, format, enqueue);
    const run = (fn, controller) => {
      controllerRef = controller;
      try {
        fn();
      } catch (e) {
        throw new TypeErr(`${what}: ${e && e.message ? e.message : "invalid compressed data"}`);
      }
    };
    // As in workerd, a write settles without waiting for a reader: the readable side buffers whatever the codec
    // gives out (a high-water mark of Infinity: never any backpressure). Under the Compression Standard's default
    // strategies, `await writer.write(...)` before the first read never settles, which Workers code does not expect.
    // A chunk of the wrong type makes transform() throw, which errors both sides and rejects the write.
    return new TransformStream({
      // fflate keeps a reference to the pushed array: writtenBytes gives it a copy the worker cannot change.
      transform(chunk, controller) { const bytes = writtenBytes(chunk, what); run(() => push(bytes), controller); },
      flush(controller) { run(finish, controller); },
    }, { highWaterMark: 1 }, { highWaterMark: Infinity });
  }

  class CompressionStream {
    #transform;
    constructor(format) {
      if (arguments.length === 0) throw new TypeErr("Failed to construct 'CompressionStream': 1 argument required, but only 0 present.");
      this.#transform = codecStream(format, true, "CompressionStream");
    }
    get readable() { return this.#transform.readable; }
    get writable() { return this.#transform.writable; }
  }
  tag(CompressionStream, "CompressionStream");

  class DecompressionStream {
    #transform;
    constructor(format) {
      if (arguments.length === 0) throw new TypeErr("Failed to construct 'DecompressionStream': 1 argument required, but only 0 present.");
      this.#transform = codecStream(format, false, "DecompressionStream");
    }
    get readable() { return this.#transform.readable; }
    get writable() { return this.#transform.writable; }
  }
  tag(DecompressionStream, "DecompressionStream");

  // IdentityTransformStream and FixedLengthStream (workerd): TransformStreams whose readable side is a byte stream
  // (BYOB readers work) and whose writable side takes BufferSource chunks, strings and undefined (see writtenBytes;
  // anything else is a TypeError, erroring both sides). There is no buffering between the sides: a write settles
  // once a read has taken its bytes.
  // FixedLengthStream errors both sides (TypeError) when more or fewer bytes than declared go through it.
  const { ReadableStream, WritableStream } = s;
  function bytePair(what, highWaterMark, limit) {
    let rc = null, wc = null, pending = null, pullWaiter = null, total = 0;
    const fail = (e) => {
      try { rc.error(e); } catch { /* already closed or errored */ }
      try { wc.error(e); } catch { /* already errored */ }
      if (pending !== null) { pending.reject(e); pending = null; }
      throw e;
    };
    const deliver = () => { const p = pending; pending = null; rc.enqueue(p.bytes); p.resolve(); };
    const readable = new ReadableStream({
      type: "bytes",
      start(c) { rc = c; },
      pull() {
        if (pending !== null) { deliver(); return undefined; }
        return new Promise((resolve) => { pullWaiter = resolve; });
      },
      cancel(reason) {
        try { wc.error(reason); } catch { /* already errored */ }
        if (pending !== null) { pending.reject(reason); pending = null; }
      },
    });
    const writable = new WritableStream({
      start(c) { wc = c; },
      write(chunk) {
        const bytes = writtenBytes(chunk, what);
        if (bytes.length === 0) return undefined;
        total += bytes.length;
        if (limit !== null && total > limit) fail(new TypeErr(`${what}: attempt to write too many bytes through a FixedLengthStream.`));
        return new Promise((resolve, reject) => {
          pending = { bytes, resolve, reject };
          if (pullWaiter !== null) { const w = pullWaiter; pullWaiter = null; deliver(); w(); }
        });
      },
      close() {
        if (limit !== null && total < limit) fail(new TypeErr(`${what}: the FixedLengthStream was closed before all its expected bytes were written.`));
        rc.close();
        // a BYOB read waiting for bytes is answered "done" only through respond(0) (Streams Standard)
        if (rc.byobRequest !== null) rc.byobRequest.respond(0);
        if (pullWaiter !== null) { const w = pullWaiter; pullWaiter = null; w(); }
      },
      abort(reason) { try { rc.error(reason); } catch { /* already closed or errored */ } },
    }, {
      highWaterMark,
      size(chunk) {
        try {
          return (typeof chunk === "string" || chunk === undefined ? writtenBytes(chunk, what) : toBytes(chunk, what)).byteLength;
        } catch (e) {
          try { rc.error(e); } catch { /* already closed or errored */ }
          throw e;
        }
      },
    });
    if (limit !== null) WeakMapSet(knownLengths, readable, limit);
    return { readable, writable };
  }
  function highWaterMarkOf(options, what) {
    // the writable side's queue counts bytes; by default one byte, so writer.desiredSize starts at 1 as in workerd
    if (options === undefined || options === null) return 1;
    if (typeof options !== "object") throw new TypeErr(`Failed to construct '${what}': the options are not an object.`);
    if (options.highWaterMark === undefined) return 1;
    const n = Num(options.highWaterMark);
    if (!(n >= 0)) throw new TypeErr(`Failed to construct '${what}': highWaterMark must be a non-negative number.`);
    return n;
  }

  let fixedLimit = null; // the FixedLengthStream constructor's argument, on its way to IdentityTransformStream's
  class IdentityTransformStream extends TransformStream {
    #readable;
    #writable;
    constructor(options = undefined) {
      const limit = fixedLimit; // set by FixedLengthStream's constructor just before it calls this one
      fixedLimit = null;
      const what = limit !== null ? "FixedLengthStream" : "IdentityTransformStream";
      const hwm = highWaterMarkOf(options, what);
      super();
      ({ readable: this.#readable, writable: this.#writable } = bytePair(what, hwm, limit));
    }
    get readable() { return this.#readable; }
    get writable() { return this.#writable; }
  }
  tag(IdentityTransformStream, "IdentityTransformStream");

  class FixedLengthStream extends IdentityTransformStream {
    constructor(expectedLength, options = undefined) {
      if (arguments.length === 0) throw new TypeErr("Failed to construct 'FixedLengthStream': 1 argument required, but only 0 present.");
      const n = typeof expectedLength === "bigint" ? Num(expectedLength) : Math.trunc(Num(expectedLength));
      if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER)) {
        throw new TypeErr("Failed to construct 'FixedLengthStream': expectedLength must be a non-negative integer below 2^53.");
      }
      fixedLimit = n;
      super(options);
    }
  }
  tag(FixedLengthStream, "FixedLengthStream");

  return { ...s, TextEncoderStream, TextDecoderStream, CompressionStream, DecompressionStream, IdentityTransformStream, FixedLengthStream };
}

/** Materialises the stream globals; returns them (22_body.js uses it). */
export const streams = defineLazyGlobals(NAMES, build);
