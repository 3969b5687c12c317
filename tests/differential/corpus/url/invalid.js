// Invalid URLs throw TypeError; URL.canParse() and URL.parse() report them without throwing.
export default {
  async fetch() {
    return respond({
      noBase: ts(() => new URL("/path")),
      badPort: ts(() => new URL("http://example.com:99999/")),
      badHost: ts(() => new URL("http://exa mple.com/")),
      canParse: [URL.canParse("https://a.b"), URL.canParse("nope"), URL.canParse("/x", "https://a.b")],
      parse: typeof URL.parse === "function" ? [URL.parse("nope"), URL.parse("https://a.b/c")?.href] : "missing",
    });
  },
};
