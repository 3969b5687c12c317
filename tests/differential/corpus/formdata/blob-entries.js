// Blob values become Files (default name "blob"); a filename argument names them.
export default {
  async fetch() {
    const f = new FormData();
    f.append("n", new Blob(["d"]), "named.txt");
    f.append("f", new File(["e"], "orig.txt", { type: "a/b", lastModified: 42 }));
    f.append("r", new File(["e"], "orig.txt"), "renamed.txt");
    const describe = async (v) => ({ isFile: v instanceof File, name: v.name, type: v.type, size: v.size, text: await v.text() });
    return respond({
      n: await describe(f.get("n")), f: await describe(f.get("f")),
      fLastModified: f.get("f").lastModified, r: await describe(f.get("r")),
    });
  },
};
