// Response.json(): content type, status and headers from init, unserialisable data.
export default {
  async fetch() {
    const r = Response.json({ a: [1, "x"] }, { status: 201, headers: { "x-a": "1" } });
    const custom = Response.json(1, { headers: { "content-type": "application/vnd.x+json" } });
    return respond({
      status: r.status, ct: r.headers.get("content-type"), xa: r.headers.get("x-a"), text: await r.text(),
      custom: custom.headers.get("content-type"),
      bigint: ts(() => Response.json(1n)),
      nullBody: ts(() => Response.json({}, { status: 204 })),
    });
  },
};
