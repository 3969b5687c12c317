// pipeThrough() a TransformStream that upper-cases text.
export default {
  async fetch() {
    const src = new ReadableStream({ start(c) { c.enqueue("ab"); c.enqueue("cd"); c.close(); } });
    const upper = new TransformStream({
      transform(chunk, c) { c.enqueue(chunk.toUpperCase()); },
      flush(c) { c.enqueue("!"); },
    });
    return respond({ out: await readAll(src.pipeThrough(upper)) });
  },
};
