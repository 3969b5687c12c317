// Compressing nothing gives a valid stream that decompresses to nothing.
export default {
  async fetch() {
    const out = {};
    for (const fmt of ["gzip", "deflate", "deflate-raw"]) {
      const c = await readBytes(new Blob([]).stream().pipeThrough(new CompressionStream(fmt)));
      const d = await readBytes(new Blob([c]).stream().pipeThrough(new DecompressionStream(fmt)));
      out[fmt] = { nonEmpty: c.byteLength > 0, back: d.byteLength };
    }
    return respond(out);
  },
};
