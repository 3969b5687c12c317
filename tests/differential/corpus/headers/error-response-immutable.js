// Response.error()'s headers have the "immutable" guard.
export default {
  async fetch() {
    return respond({ set: ts(() => Response.error().headers.set("x-a", "1")) });
  },
};
