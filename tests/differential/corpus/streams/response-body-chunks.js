// A Response body read as a stream yields Uint8Array chunks.
export default {
  async fetch() {
    const r = new Response("hello");
    const chunks = await readAll(r.body);
    return respond({
      allBytes: chunks.every((c) => c instanceof Uint8Array),
      text: chunks.map((c) => new TextDecoder().decode(c)).join(""),
      used: r.bodyUsed,
      sameBody: (() => { const x = new Response("a"); return x.body === x.body; })(),
    });
  },
};
