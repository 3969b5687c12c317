// formData() of an application/x-www-form-urlencoded body.
export default {
  async fetch() {
    const r = new Response("a=1&b=%C3%A9+x&a=3&&c&=empty", { headers: { "content-type": "application/x-www-form-urlencoded;charset=UTF-8" } });
    const f = await r.formData();
    return respond({ entries: [...f] });
  },
};
