// A Request URL with credentials (user:password@) throws TypeError.
export default {
  async fetch() {
    return respond({ credentials: ts(() => new Request("https://u:p@example.com/").url) });
  },
};
