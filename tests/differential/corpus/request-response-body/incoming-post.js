// request: {"method": "POST", "headers": {"content-type": "text/plain;charset=utf-8", "x-probe": "p"}, "body": "hello \u00e9"}
// The incoming request: method, path, query, a header, its body.
export default {
  async fetch(request) {
    const url = new URL(request.url);
    return respond({
      method: request.method, path: url.pathname, search: url.search, protocolOk: ["http:", "https:"].includes(url.protocol),
      probe: request.headers.get("x-probe"), ct: request.headers.get("content-type"),
      bodyType: Object.prototype.toString.call(request.body),
      text: await request.text(), used: request.bodyUsed,
    });
  },
};
