// ReadableStream.from() an array and an async generator.
export default {
  async fetch() {
    if (typeof ReadableStream.from !== "function") return respond({ from: "missing" });
    async function* gen() { yield 1; yield 2; }
    return respond({ array: await readAll(ReadableStream.from(["x", "y"])), gen: await readAll(ReadableStream.from(gen())) });
  },
};
