// Setting components of a URL.
export default {
  async fetch() {
    const u = new URL("https://example.com/path?a=1#h");
    u.pathname = "/new path";
    u.search = "b=2 3";
    u.hash = "";
    u.port = "8443";
    u.hostname = "Other.Example";
    const v = new URL("https://example.com:443/");
    v.protocol = "http";
    return respond({ u: u.href, v: v.href, badProtocol: (() => { const w = new URL("https://a.b/"); w.protocol = "foo"; return w.href; })() });
  },
};
