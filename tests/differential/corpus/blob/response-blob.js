// A Response built from a Blob, then read back as a Blob: type from Content-Type.
export default {
  async fetch() {
    const r = new Response(new Blob(["xy"], { type: "image/svg+xml" }));
    const b = await r.blob();
    const s = await new Response("str", { headers: { "content-type": "Text/HTML; charset=utf-8" } }).blob();
    return respond({ ct: r.headers.get("content-type"), type: b.type, size: b.size, });
  },
};
