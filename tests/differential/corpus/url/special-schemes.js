// Non-special schemes (opaque paths), file:, data: and blob: URLs.
export default {
  async fetch() {
    const f = (s) => ts(() => { const u = new URL(s); return [u.protocol, u.host, u.pathname, u.origin]; });
    return respond({
      mailto: f("mailto:someone@example.com"), data: f("data:text/plain,hi"), file: f("file:///C:/x/../y"),
      custom: f("custom://host/p?x"), blob: f("blob:https://example.com/uuid"),
    });
  },
};
