// multipart/form-data serialisation turns lone LF and CR in names and string values into CRLF.
export default {
  async fetch() {
    const f = new FormData();
    f.append("t", "a\nb\rc\r\nd");
    const back = await new Request("https://example.com/", { method: "POST", body: f }).formData();
    return respond({ t: back.get("t") });
  },
};
