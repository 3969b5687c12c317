// Workers-specific globals: which exist.
export default {
  async fetch() {
    const names = ["caches", "HTMLRewriter", "WebSocket", "WebSocketPair", "EventSource", "scheduler", "URLPattern",
      "FixedLengthStream", "IdentityTransformStream", "MessageChannel", "MessagePort", "Cloudflare", "connect",
      "reportError", "setImmediate", "process", "Buffer", "global", "addEventListener", "FetchEvent", "ScheduledEvent"];
    return respond(Object.fromEntries(names.map((n) => [n, typeof globalThis[n]])));
  },
};
