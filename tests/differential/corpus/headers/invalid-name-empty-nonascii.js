// An empty header name and a name with a non-token character outside ASCII are invalid (TypeError).
export default {
  async fetch() {
    return respond({
      empty: ts(() => new Headers({ "": "x" })),
      nonAscii: ts(() => new Headers({ "\u00e9": "x" })),
    });
  },
};
