// Hello JSON from an async handler, as most Workers code is written: its Response resolves in microtasks.
export default {
  async fetch() {
    return Response.json({ hello: "world" });
  },
};
