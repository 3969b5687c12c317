// The types of standard Web globals a worker relies on.
export default {
  async fetch() {
    const names = ["fetch", "Request", "Response", "Headers", "FormData", "Blob", "File", "URL", "URLSearchParams",
      "TextEncoder", "TextDecoder", "ReadableStream", "WritableStream", "TransformStream", "CompressionStream",
      "DecompressionStream", "crypto", "CryptoKey", "SubtleCrypto", "AbortController", "AbortSignal", "Event",
      "EventTarget", "CustomEvent", "DOMException", "structuredClone", "atob", "btoa", "setTimeout", "setInterval",
      "clearTimeout", "clearInterval", "queueMicrotask", "console", "performance", "navigator",
      "ReadableStreamDefaultReader", "ReadableStreamBYOBReader", "WritableStreamDefaultWriter",
      "ByteLengthQueuingStrategy", "CountQueuingStrategy", "TextEncoderStream", "TextDecoderStream", "WebAssembly"];
    return respond(Object.fromEntries(names.map((n) => [n, typeof globalThis[n]])));
  },
};
