// EventTarget: duplicate listeners are ignored, once, removeEventListener, handleEvent objects.
export default {
  async fetch() {
    const et = new EventTarget();
    const log = [];
    const fn = (e) => log.push(["fn", e.type]);
    et.addEventListener("x", fn);
    et.addEventListener("x", fn);
    et.addEventListener("x", () => log.push(["once"]), { once: true });
    et.addEventListener("x", { handleEvent(e) { log.push(["obj", this !== et]); } });
    et.dispatchEvent(new Event("x"));
    et.removeEventListener("x", fn);
    et.dispatchEvent(new Event("x"));
    et.addEventListener("y", null);
    return respond({ log, nullListener: "ok" });
  },
};
