// Blob parts must be a sequence: a string or a plain object throws TypeError.
export default {
  async fetch() {
    return respond({
      string: ts(() => new Blob("abc")),
      object: ts(() => new Blob({})),
      nullParts: ts(() => new Blob(null)),
      undefParts: ts(() => new Blob(undefined).size),
      call: ts(() => Blob([])),
      tag: Object.prototype.toString.call(new Blob()),
    });
  },
};
