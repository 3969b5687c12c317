// Workers have no forbidden request or response header names.
export default {
  async fetch() {
    const req = new Request("https://example.com/", {
      headers: { host: "other.example", "content-length": "5", cookie: "a=b", connection: "close", origin: "x" },
    });
    const res = new Response("x", { headers: { "set-cookie": "a=b", "content-length": "1" } });
    return respond({
      request: ["host", "content-length", "cookie", "connection", "origin"].map((n) => req.headers.get(n)),
      response: [res.headers.get("set-cookie"), res.headers.get("content-length")],
    });
  },
};
