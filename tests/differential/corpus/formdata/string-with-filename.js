// append(name, string, filename) matches no overload (the 3-argument one takes a Blob): TypeError.
export default {
  async fetch() {
    const f = new FormData();
    return respond({ append: ts(() => f.append("s", "x", "name.txt")), set: ts(() => f.set("s", "x", "name.txt")) });
  },
};
