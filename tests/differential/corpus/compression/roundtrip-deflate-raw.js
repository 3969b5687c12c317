// CompressionStream("deflate-raw") then DecompressionStream("deflate-raw") gives the input back.
export default {
  async fetch() {
    const input = new TextEncoder().encode("compress me ".repeat(50) + "\u20ac");
    const compressed = await readBytes(new Blob([input]).stream().pipeThrough(new CompressionStream("deflate-raw")));
    const back = await readBytes(new Blob([compressed]).stream().pipeThrough(new DecompressionStream("deflate-raw")));
    return respond({
      smaller: compressed.byteLength < input.byteLength,
      equal: hex(back) === hex(input),
      length: back.byteLength,
    });
  },
};
