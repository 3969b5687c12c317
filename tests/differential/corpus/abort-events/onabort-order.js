// Listeners and the onabort handler run in registration order, with an Event of type "abort".
export default {
  async fetch() {
    const c = new AbortController();
    const log = [];
    c.signal.addEventListener("abort", (e) => log.push(["listener1", e.type, e.target === c.signal]));
    c.signal.onabort = (e) => log.push(["onabort", e instanceof Event]);
    c.signal.addEventListener("abort", () => log.push(["listener2", c.signal.aborted]));
    c.abort();
    return respond({ log });
  },
};
