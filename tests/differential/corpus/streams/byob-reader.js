// A byte stream read with a BYOB reader into a caller's buffer.
export default {
  async fetch() {
    const s = new ReadableStream({
      type: "bytes",
      start(c) { c.enqueue(bytesOf(1, 2, 3, 4, 5)); c.close(); },
    });
    const r = s.getReader({ mode: "byob" });
    const first = await r.read(new Uint8Array(2));
    const second = await r.read(new Uint8Array(10));
    const third = await r.read(new Uint8Array(1));
    return respond({
      first: [first.done, hex(first.value), first.value.buffer.byteLength],
      second: [second.done, hex(second.value)],
      third: [third.done, third.value && third.value.byteLength],
      notBytes: ts(() => new ReadableStream().getReader({ mode: "byob" })),
    });
  },
};
