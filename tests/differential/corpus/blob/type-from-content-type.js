// body.blob()'s type is the parsed and serialised MIME type of Content-Type (parameter values keep their case).
export default {
  async fetch() {
    const s = await new Response("str", { headers: { "content-type": "Text/HTML; charset=utf-8" } }).blob();
    const plain = await new Response("a").blob();
    return respond({ html: s.type, plain: plain.type });
  },
};
