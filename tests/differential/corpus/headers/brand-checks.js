// Methods called on a non-Headers object throw TypeError; Headers requires new.
export default {
  async fetch() {
    return respond({
      call: ts(() => Headers()),
      get: ts(() => Headers.prototype.get.call({}, "a")),
    });
  },
};
