// A Request with a ReadableStream body (the standard also asks for duplex: "half").
export default {
  async fetch() {
    const stream = () => new ReadableStream({ start(c) { c.enqueue(bytesOf(0x61)); c.close(); } });
    return respond({
      withDuplex: await t(() => new Request("https://example.com/", { method: "POST", body: stream(), duplex: "half" }).text()),
      bodyType: ts(() => Object.prototype.toString.call(new Request("https://example.com/", { method: "POST", body: "x" }).body)),
    });
  },
};
