// Whether Response.error()'s headers can be changed (Fetch: the "immutable" guard; workerd: they can).
export default {
  async fetch() {
    return respond({ set: ts(() => Response.error().headers.set("x-a", "1")) });
  },
};
