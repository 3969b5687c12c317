// formData() of a body that is neither form type throws TypeError; so does a malformed multipart body.
export default {
  async fetch() {
    return respond({
      plain: await t(() => new Response("a=1", { headers: { "content-type": "text/plain" } }).formData()),
      none: await t(() => new Response("a=1").formData()),
      noBoundary: await t(() => new Response("x", { headers: { "content-type": "multipart/form-data" } }).formData()),
      badMultipart: await t(() => new Response("garbage", { headers: { "content-type": "multipart/form-data; boundary=b" } }).formData()),
    });
  },
};
