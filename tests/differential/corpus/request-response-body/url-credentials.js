// A Request URL with credentials (user:password@) (Fetch: TypeError; workerd keeps it).
export default {
  async fetch() {
    return respond({ credentials: ts(() => new Request("https://u:p@example.com/").url) });
  },
};
