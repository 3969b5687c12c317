// The status and statusText of the worker's response reach the client.
export default {
  async fetch() {
    return Response.json({ kind: "custom status" }, { status: 299, statusText: "Custom" });
  },
};
