// self and globalThis are the same object; the global's class string.
export default {
  async fetch() {
    return respond({ same: self === globalThis, tag: Object.prototype.toString.call(globalThis) });
  },
};
