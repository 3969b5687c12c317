// A FormData response body: multipart with a boundary; the serialised text with the boundary replaced.
export default {
  async fetch() {
    const f = new FormData();
    f.append("a", "1");
    f.append("f", new Blob(["xyz"], { type: "text/plain" }), "x.txt");
    const r = new Response(f);
    const ct = r.headers.get("content-type");
    const boundary = ct.split("boundary=")[1];
    const text = (await r.text()).split(boundary).join("BOUNDARY");
    return respond({ ct: ct.replace(boundary, "BOUNDARY"), text });
  },
};
