// set() replaces the first entry of a name in place and removes the rest.
export default {
  async fetch() {
    const f = new FormData();
    f.append("x", "1");
    f.append("y", "2");
    f.append("x", "3");
    f.set("x", "new");
    const keys = [];
    f.forEach((v, k, self) => keys.push([k, v, self === f]));
    return respond({ entries: [...f.entries()], keys: [...f.keys()], values: [...f.values()], forEach: keys });
  },
};
