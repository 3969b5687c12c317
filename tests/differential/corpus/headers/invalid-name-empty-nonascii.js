// An empty header name and a name with a character outside ASCII (not HTTP tokens: Fetch throws TypeError; workerd accepts them).
export default {
  async fetch() {
    return respond({
      empty: ts(() => new Headers({ "": "x" })),
      nonAscii: ts(() => new Headers({ "\u00e9": "x" })),
    });
  },
};
