// decode() accepts ArrayBuffer, any ArrayBufferView (respecting its offset and length) and nothing at all.
export default {
  async fetch() {
    const buf = new TextEncoder().encode("abcdef").buffer;
    const d = new TextDecoder();
    return respond({
      arrayBuffer: d.decode(buf),
      view: d.decode(new Uint8Array(buf, 1, 3)),
      dataView: d.decode(new DataView(buf, 2, 2)),
      uint16: d.decode(new Uint16Array(buf, 0, 2)),
      none: d.decode(),
      undef: d.decode(undefined),
      string: ts(() => d.decode("abc")),
      array: ts(() => d.decode([0x61])),
      attributes: [d.encoding, d.fatal, d.ignoreBOM],
    });
  },
};
