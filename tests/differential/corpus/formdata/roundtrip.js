// A FormData body serialised by Request and parsed back by formData().
export default {
  async fetch() {
    const f = new FormData();
    f.append("t", "line1 line2");
    f.append("q", 'with "quotes"');
    f.append("file", new Blob([bytesOf(0, 1, 2, 255)], { type: "application/octet-stream" }), "bin.dat");
    const req = new Request("https://example.com/", { method: "POST", body: f });
    const ct = req.headers.get("content-type");
    const back = await req.formData();
    const file = back.get("file");
    return respond({
      ctPrefix: ct.split(";")[0],
      hasBoundary: /;\s*boundary=/.test(ct),
      t: back.get("t"),
      q: back.get("q"),
      file: [file.name, file.type, hex(await file.arrayBuffer())],
    });
  },
};
