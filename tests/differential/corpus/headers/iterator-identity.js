// Whether @@iterator is entries() (WebIDL pair iterators) and the iterator's class string.
export default {
  async fetch() {
    const h = new Headers({ a: "1" });
    return respond({
      iteratorIsEntries: Headers.prototype[Symbol.iterator] === Headers.prototype.entries,
      iterTag: Object.prototype.toString.call(h.entries()),
    });
  },
};
