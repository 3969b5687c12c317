// Bytes after the end of the compressed stream are an error (TypeError).
const unhex = (h) => new Uint8Array(h.match(/../g).map((x) => parseInt(x, 16)));
export default {
  async fetch() {
    const extra = unhex("789ccb48cdc9c957c8402293f3730b8a528b8b33f3f300a5840b4f" + "0102");
    return respond({
      trailing: await t(() => readBytes(new Blob([extra]).stream().pipeThrough(new DecompressionStream("deflate"))).then((b) => b.byteLength)),
    });
  },
};
