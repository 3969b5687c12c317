// Response.redirect(): status, Location, invalid status and URL.
export default {
  async fetch() {
    const r = Response.redirect("https://example.com/a b?x", 301);
    const d = Response.redirect("https://example.com/");
    return respond({
      status: r.status, location: r.headers.get("location"), body: r.body === null || (await r.text()),
      defaultStatus: d.status,
      s200: ts(() => Response.redirect("https://example.com/", 200)),
      s308: ts(() => Response.redirect("https://example.com/", 308).status),
      invalid: ts(() => Response.redirect("not a url", 302)),
    });
  },
};
