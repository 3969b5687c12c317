// Functions, symbols and WeakMaps cannot be cloned: DataCloneError.
export default {
  async fetch() {
    return respond({
      fn: ts(() => structuredClone(() => 1)),
      symbol: ts(() => structuredClone(Symbol("s"))),
      weakMap: ts(() => structuredClone(new WeakMap())),
      nested: ts(() => structuredClone({ f() {} })),
      noArg: ts(() => structuredClone()),
    });
  },
};
