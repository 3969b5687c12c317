// request: {"headers": {"x-probe": "p"}}
// The incoming request's headers are immutable; a copy is mutable.
export default {
  async fetch(request) {
    const copy = new Headers(request.headers);
    copy.set("x-probe", "changed");
    const cloned = new Request(request);
    return respond({
      probe: request.headers.get("x-probe"),
      set: ts(() => request.headers.set("x-probe", "q")),
      append: ts(() => request.headers.append("x-new", "q")),
      del: ts(() => request.headers.delete("x-probe")),
      after: request.headers.get("x-probe"),
      copy: copy.get("x-probe"),
      clonedSet: ts(() => (cloned.headers.set("x-probe", "r"), cloned.headers.get("x-probe"))),
    });
  },
};
