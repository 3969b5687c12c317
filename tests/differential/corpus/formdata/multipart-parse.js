// formData() of a hand-written multipart/form-data body with a text field and a file.
export default {
  async fetch() {
    const body = [
      "--XyZ",
      'Content-Disposition: form-data; name="field"',
      "",
      "value \u00e9",
      "--XyZ",
      'Content-Disposition: form-data; name="upload"; filename="a.txt"',
      "Content-Type: text/plain",
      "",
      "file\r\nbody",
      "--XyZ--",
      "",
    ].join("\r\n");
    const f = await new Response(body, { headers: { "content-type": "multipart/form-data; boundary=XyZ" } }).formData();
    const file = f.get("upload");
    return respond({
      field: f.get("field"),
      file: [file instanceof File, file.name, file.type, await file.text()],
      keys: [...f.keys()],
    });
  },
};
