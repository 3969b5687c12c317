// append/get/getAll/has/delete/set on string entries.
export default {
  async fetch() {
    const f = new FormData();
    f.append("a", "1");
    f.append("b", "2");
    f.append("a", "3");
    const before = { get: f.get("a"), all: f.getAll("a"), has: f.has("b"), missing: f.get("z"), missingAll: f.getAll("z") };
    f.set("a", "4");
    f.delete("b");
    f.append("n", 5);
    return respond({ before, entries: [...f], tag: Object.prototype.toString.call(f) });
  },
};
