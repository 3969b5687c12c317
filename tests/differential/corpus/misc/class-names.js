// Web API classes keep their standard names (Function.prototype.name, used in logs and error reports).
export default {
  async fetch() {
    const classes = { Event, EventTarget, AbortController, AbortSignal, Headers, Request, Response, Blob, File, FormData,
      URL, URLSearchParams, TextEncoder, TextDecoder, ReadableStream, WritableStream, TransformStream, DOMException,
      CustomEvent, CryptoKey, CompressionStream };
    const mismatched = Object.entries(classes).filter(([name, cls]) => cls.name !== name).map(([name, cls]) => [name, cls.name]);
    return respond({ mismatched, abortEvent: (() => { let n; const c = new AbortController(); c.signal.onabort = (e) => { n = e.constructor.name; }; c.abort(); return n; })() });
  },
};
