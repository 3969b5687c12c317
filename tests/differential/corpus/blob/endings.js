// endings: "transparent" (the default) keeps line endings as they are.
export default {
  async fetch() {
    return respond({
      transparent: hex(await new Blob(["a\r\nb\nc\r"], { endings: "transparent" }).arrayBuffer()),
      fallback: hex(await new Blob(["a\r\nb"]).arrayBuffer()),
      badEndings: ts(() => new Blob([], { endings: "weird" })),
    });
  },
};
