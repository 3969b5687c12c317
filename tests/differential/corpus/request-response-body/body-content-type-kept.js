// An explicit Content-Type wins over the one implied by the body.
export default {
  async fetch() {
    const r = new Response(new URLSearchParams("a=1"), { headers: { "content-type": "text/x" } });
    const b = new Response(new Blob(["x"], { type: "a/b" }), { headers: { "content-type": "c/d" } });
    const req = new Request("https://example.com/", { method: "POST", body: "s" });
    return respond({ r: r.headers.get("content-type"), b: b.headers.get("content-type"), req: req.headers.get("content-type") });
  },
};
