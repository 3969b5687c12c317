// Decompressing bytes made by zlib (gzip, deflate, deflate-raw).
const data = {
  gzip: "1f8b0800000000000203cb48cdc9c957c8402293f3730b8a528b8b33f3f300e39c00511d000000",
  deflate: "789ccb48cdc9c957c8402293f3730b8a528b8b33f3f300a5840b4f",
  "deflate-raw": "cb48cdc9c957c8402293f3730b8a528b8b33f3f300",
};
const unhex = (h) => new Uint8Array(h.match(/../g).map((x) => parseInt(x, 16)));
export default {
  async fetch() {
    const out = {};
    for (const [fmt, h] of Object.entries(data)) {
      const ds = new DecompressionStream(fmt);
      out[fmt] = new TextDecoder().decode(await readBytes(new Blob([unhex(h)]).stream().pipeThrough(ds)));
    }
    return respond(out);
  },
};
