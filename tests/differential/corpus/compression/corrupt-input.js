// Corrupt compressed input errors the stream with a TypeError.
const unhex = (h) => new Uint8Array(h.match(/../g).map((x) => parseInt(x, 16)));
async function decompress(fmt, bytes) {
  return readBytes(new Blob([bytes]).stream().pipeThrough(new DecompressionStream(fmt)));
}
export default {
  async fetch() {
    return respond({
      garbage: await t(() => decompress("gzip", unhex("00112233445566778899"))),
      badDeflate: await t(() => decompress("deflate", unhex("789c0000ffff"))),
    });
  },
};
