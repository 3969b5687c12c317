// The FormData constructor takes no usable argument in a worker; brand checks throw TypeError.
export default {
  async fetch() {
    return respond({
      none: [...new FormData()].length,
      undef: [...new FormData(undefined)].length,
      call: ts(() => FormData()),
      brand: ts(() => FormData.prototype.get.call({}, "a")),
    });
  },
};
