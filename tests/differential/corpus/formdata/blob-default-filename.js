// The name of the File made from a Blob appended without a filename (workerd: the entry's name; XHR: "blob").
export default {
  async fetch() {
    const f = new FormData();
    f.append("b", new Blob(["abc"], { type: "text/x" }));
    f.set("c", new Blob(["d"]));
    return respond({ b: [f.get("b").name, f.get("b").type], c: f.get("c").name });
  },
};
