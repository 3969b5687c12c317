// An unknown format throws TypeError from both constructors.
export default {
  async fetch() {
    return respond({
      c: ts(() => new CompressionStream("lzma")),
      d: ts(() => new DecompressionStream("zip")),
      upper: ts(() => new CompressionStream("GZIP")),
      none: ts(() => new CompressionStream()),
    });
  },
};
