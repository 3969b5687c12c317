// decode(..., {stream: true}) keeps an incomplete sequence for the next call.
export default {
  async fetch() {
    const d = new TextDecoder();
    const euro = [0xe2, 0x82, 0xac];
    const parts = [d.decode(bytesOf(euro[0]), { stream: true }), d.decode(bytesOf(euro[1]), { stream: true })];
    parts.push(d.decode(bytesOf(euro[2], 0x61), { stream: true }));
    parts.push(d.decode());
    const d2 = new TextDecoder();
    const pending = d2.decode(bytesOf(0xf0, 0x9f), { stream: true });
    const flushed = d2.decode();
    const d3 = new TextDecoder("utf-8", { fatal: true });
    d3.decode(bytesOf(0xe2), { stream: true });
    return respond({
      parts,
      pending,
      flushed: Array.from(flushed, (c) => c.codePointAt(0).toString(16)),
      fatalFlush: ts(() => d3.decode()),
      reusable: d3.decode(bytesOf(0x62)),
    });
  },
};
