// Lone LF and CR in a string value through multipart/form-data (HTML makes them CRLF; workerd keeps them).
export default {
  async fetch() {
    const f = new FormData();
    f.append("t", "a\nb\rc\r\nd");
    const back = await new Request("https://example.com/", { method: "POST", body: f }).formData();
    return respond({ t: back.get("t") });
  },
};
