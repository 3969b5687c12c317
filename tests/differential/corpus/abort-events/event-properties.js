// Event attributes before, during and after dispatch (workerd: no target before dispatch, currentTarget kept after it).
export default {
  async fetch() {
    const et = new EventTarget();
    const e = new Event("t", { cancelable: true, bubbles: true });
    const before = { type: e.type, bubbles: e.bubbles, cancelable: e.cancelable, composed: e.composed, phase: e.eventPhase, target: e.target, isTrusted: e.isTrusted, defaultPrevented: e.defaultPrevented };
    let during;
    et.addEventListener("t", (ev) => {
      ev.preventDefault();
      during = { phase: ev.eventPhase, target: ev.target === et, current: ev.currentTarget === et, defaultPrevented: ev.defaultPrevented };
    });
    const result = et.dispatchEvent(e);
    const after = { phase: e.eventPhase, currentTarget: e.currentTarget, target: e.target === et };
    const plain = new Event("p");
    plain.preventDefault();
    return respond({
      before, during, after, result, plainPrevented: plain.defaultPrevented,
      constants: [Event.NONE, Event.CAPTURING_PHASE, Event.AT_TARGET, Event.BUBBLING_PHASE],
      timeStampType: typeof e.timeStamp,
    });
  },
};
