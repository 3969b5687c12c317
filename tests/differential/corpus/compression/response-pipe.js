// A Response body piped through CompressionStream and back through DecompressionStream.
export default {
  async fetch() {
    const gz = new Response("a response body ".repeat(10)).body.pipeThrough(new CompressionStream("gzip"));
    const text = await new Response(gz.pipeThrough(new DecompressionStream("gzip"))).text();
    return respond({ text: text.length, start: text.slice(0, 16) });
  },
};
