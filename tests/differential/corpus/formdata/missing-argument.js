// Calling get()/append() with too few arguments throws TypeError.
export default {
  async fetch() {
    const f = new FormData();
    return respond({ get: ts(() => f.get()), append: ts(() => f.append("a")), has: ts(() => f.has()) });
  },
};
