// Hello JSON: the per-request overhead of a runtime.
export default {
  fetch() {
    return Response.json({ hello: "world" });
  },
};
