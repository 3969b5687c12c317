// A null-body status (204, 205, 304) with an empty body (Fetch: TypeError for any non-null body; workerd accepts it).
export default {
  async fetch() {
    return respond({
      s304: ts(() => new Response("", { status: 304 }).status),
      s204: ts(() => new Response("", { status: 204 }).status),
      s205: ts(() => new Response(new Uint8Array(0), { status: 205 }).status),
    });
  },
};
