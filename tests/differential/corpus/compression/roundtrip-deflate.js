// CompressionStream("deflate") then DecompressionStream("deflate") gives the input back.
export default {
  async fetch() {
    const input = new TextEncoder().encode("compress me ".repeat(50) + "\u20ac");
    const compressed = await readBytes(new Blob([input]).stream().pipeThrough(new CompressionStream("deflate")));
    const back = await readBytes(new Blob([compressed]).stream().pipeThrough(new DecompressionStream("deflate")));
    return respond({
      smaller: compressed.byteLength < input.byteLength,
      head: hex(compressed.subarray(0, 2)),
      equal: hex(back) === hex(input),
      length: back.byteLength,
    });
  },
};
