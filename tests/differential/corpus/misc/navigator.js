// navigator.userAgent identifies Workers.
export default {
  async fetch() {
    return respond({ userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency });
  },
};
