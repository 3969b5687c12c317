// A response whose body is a ReadableStream of several chunks.
export default {
  async fetch() {
    const parts = ['{"chunks":', "[1,", "2,3]", "}"];
    const body = new ReadableStream({
      pull(c) {
        if (parts.length) c.enqueue(new TextEncoder().encode(parts.shift()));
        else c.close();
      },
    });
    return new Response(body, { headers: { "content-type": "application/json" } });
  },
};
