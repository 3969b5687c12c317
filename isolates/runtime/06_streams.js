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
  ObjectPrototypeToString } = primordials;

const STREAM_NAMES = [
  "ReadableStream", "ReadableStreamDefaultReader", "ReadableStreamBYOBReader", "ReadableStreamBYOBRequest",
  "ReadableStreamDefaultController", "ReadableByteStreamController", "WritableStream", "WritableStreamDefaultWriter",
  "WritableStreamDefaultController", "TransformStream", "TransformStreamDefaultController", "ByteLengthQueuingStrategy",
  "CountQueuingStrategy",
];
const NAMES = [...STREAM_NAMES, "TextEncoderStream", "TextDecoderStream", "CompressionStream", "DecompressionStream"];

function toBytes(chunk, what) {
  if (chunk instanceof AB || ObjectPrototypeToString(chunk) === "[object ArrayBuffer]") return new U8(chunk);
  if (ArrayBufferIsView(chunk)) return new U8(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeErr(`${what}: the chunk must be an ArrayBuffer or an ArrayBufferView.`);
}

function tag(klass, name) {
  ObjectDefineProperty(klass.prototype, Symbol.toStringTag, { value: name, configurable: true });
}

function build() {
  const s = loadStreams();
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
  function codecStream(format, compress, what) {
    format = Str(format);
    if (FORMATS.indexOf(format) === -1) {
      throw new TypeErr(`Failed to construct '${what}': Unsupported compression format: '${format}'`);
    }
    const f = loadFflate();
    const Codec = compress
      ? { gzip: f.Gzip, deflate: f.Zlib, "deflate-raw": f.Deflate }[format]
      : { gzip: f.Gunzip, deflate: f.Unzlib, "deflate-raw": f.Inflate }[format];
    let controllerRef = null;
    let ended = false;
    let inputBytes = 0;
    // The smallest valid input: a gzip header and trailer, a zlib header and Adler-32, one deflate block.
    const minimum = { gzip: 18, deflate: 6, "deflate-raw": 1 }[format];
    const codec = new Codec((data, final) => {
      if (data.length > 0) controllerRef.enqueue(data);
      if (final) ended = true;
    });
    const push = (bytes, final, controller) => {
      controllerRef = controller;
      try {
        codec.push(bytes, final);
      } catch (e) {
        throw new TypeErr(`${what}: ${e && e.message ? e.message : "invalid compressed data"}`);
      }
    };
    return new TransformStream({
      transform(chunk, controller) {
        const bytes = toBytes(chunk, what);
        if (!compress && ended) { if (bytes.length > 0) throw new TypeErr(`${what}: junk found after the end of the compressed data`); return; }
        inputBytes += bytes.length;
        // fflate keeps a reference to the pushed array: give it a copy the worker cannot change.
        push(bytes.slice(), false, controller);
      },
      flush(controller) {
        if (!compress && ended) return;
        if (!compress && inputBytes < minimum) throw new TypeErr(`${what}: the compressed data ended too early`);
        push(new U8(0), true, controller);
        if (!compress && !ended) throw new TypeErr(`${what}: the compressed data ended too early`);
      },
    });
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

  return { ...s, TextEncoderStream, TextDecoderStream, CompressionStream, DecompressionStream };
}

/** Materialises the stream globals; returns them (22_body.js uses it). */
export const streams = defineLazyGlobals(NAMES, build);
