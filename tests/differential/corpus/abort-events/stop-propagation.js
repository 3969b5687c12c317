// stopImmediatePropagation() stops the remaining listeners; dispatching an event twice throws InvalidStateError.
export default {
  async fetch() {
    const et = new EventTarget();
    const log = [];
    et.addEventListener("x", (e) => { log.push(1); e.stopImmediatePropagation(); });
    et.addEventListener("x", () => log.push(2));
    const e = new Event("x");
    et.dispatchEvent(e);
    et.dispatchEvent(new Event("x"));
    const busy = new EventTarget();
    let inner;
    busy.addEventListener("y", (ev) => { inner = ts(() => busy.dispatchEvent(ev)); });
    busy.dispatchEvent(new Event("y"));
    return respond({ log, inner });
  },
};
