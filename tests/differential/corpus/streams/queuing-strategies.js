// CountQueuingStrategy and ByteLengthQueuingStrategy.
export default {
  async fetch() {
    const c = new CountQueuingStrategy({ highWaterMark: 4 });
    const b = new ByteLengthQueuingStrategy({ highWaterMark: 16 });
    return respond({
      count: [c.highWaterMark, c.size("anything")],
      bytes: [b.highWaterMark, b.size(new Uint8Array(5)), b.size({ byteLength: 7 })],
      noInit: ts(() => new CountQueuingStrategy()),
    });
  },
};
