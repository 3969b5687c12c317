// Iterating while deleting and adding names (WebIDL: the list as it is at each step; workerd: a snapshot).
export default {
  async fetch() {
    const h = new Headers({ a: "1", b: "2", c: "3" });
    const seen = [];
    for (const [name] of h) {
      seen.push(name);
      if (name === "a") {
        h.delete("b");
        h.set("d", "4");
      }
    }
    return respond({ seen, final: [...h] });
  },
};
