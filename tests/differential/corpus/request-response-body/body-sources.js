// Each kind of body init is read back as text, with its implied Content-Type.
export default {
  async fetch() {
    const sources = {
      string: "h\u00e9",
      bytes: bytesOf(0x68, 0x69),
      arrayBuffer: bytesOf(0x68, 0x69).buffer,
      dataView: new DataView(bytesOf(0x61, 0x68, 0x69).buffer, 1),
      params: new URLSearchParams("a=1&b=\u00e9 x"),
      blob: new Blob(["bl"], { type: "Text/X" }),
      stream: new ReadableStream({ start(c) { c.enqueue(bytesOf(0x73)); c.close(); } }),
      nullBody: null,
      number: 12,
    };
    const out = {};
    for (const [name, body] of Object.entries(sources)) {
      const r = new Response(body);
      out[name] = { ct: r.headers.get("content-type"), text: await r.text() };
    }
    return respond(out);
  },
};
