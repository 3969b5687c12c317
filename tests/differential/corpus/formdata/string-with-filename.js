// append/set(name, string, filename): the 3-argument overload takes a Blob (WebIDL: TypeError; workerd ignores the filename).
export default {
  async fetch() {
    const f = new FormData();
    return respond({ append: ts(() => f.append("s", "x", "name.txt")), set: ts(() => f.set("s", "x", "name.txt")) });
  },
};
