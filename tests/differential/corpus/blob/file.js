// File: name, type, lastModified, inheritance from Blob.
export default {
  async fetch() {
    const f = new File(["ab", "c"], "dir/na\u00efve.txt", { type: "TEXT/PLAIN", lastModified: 1234 });
    const plain = new File([], "x");
    return respond({
      name: f.name, type: f.type, size: f.size, lastModified: f.lastModified, text: await f.text(),
      isBlob: f instanceof Blob, tag: Object.prototype.toString.call(f),
      defaultLastModifiedIsNumber: typeof plain.lastModified === "number",
      noName: ts(() => new File(["a"])),
      sliceIsFile: f.slice(0, 1) instanceof File,
    });
  },
};
