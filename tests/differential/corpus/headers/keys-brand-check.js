// keys(), values() and entries() check that `this` is a Headers object (WebIDL iterable).
export default {
  async fetch() {
    return respond({
      keys: ts(() => Headers.prototype.keys.call({})),
      values: ts(() => Headers.prototype.values.call({})),
      entries: ts(() => Headers.prototype.entries.call({})),
    });
  },
};
