// clone() gives an independent copy of the body and the headers.
export default {
  async fetch() {
    const r = new Response("body", { status: 202, statusText: "A", headers: { "x-a": "1" } });
    const c = r.clone();
    c.headers.set("x-a", "2");
    const req = new Request("https://example.com/", { method: "POST", body: "rb", headers: { "x-b": "1" } });
    const rc = req.clone();
    return respond({
      original: [await r.text(), r.headers.get("x-a")],
      copy: [await c.text(), c.status, c.statusText, c.headers.get("x-a")],
      request: [await req.text(), await rc.text(), rc.method, rc.headers.get("x-b")],
    });
  },
};
