// Headers of Response.error() and Response.redirect() are immutable; those of a constructed Response are not.
export default {
  async fetch() {
    const redirect = Response.redirect("https://example.com/", 302);
    const plain = new Response("x");
    return respond({
      redirectSet: ts(() => redirect.headers.set("x-a", "1")),
      plainSet: ts(() => (plain.headers.set("x-a", "1"), plain.headers.get("x-a"))),
      jsonSet: ts(() => {
        const r = Response.json({});
        r.headers.set("x-a", "2");
        return r.headers.get("x-a");
      }),
    });
  },
};
