// crypto.subtle.timingSafeEqual (a Workers extension): equal/unequal buffers, different lengths throw.
export default {
  async fetch() {
    const s = crypto.subtle;
    return respond({
      present: typeof s.timingSafeEqual,
      equal: ts(() => s.timingSafeEqual(bytesOf(1, 2), bytesOf(1, 2))),
      unequal: ts(() => s.timingSafeEqual(bytesOf(1, 2), bytesOf(1, 3))),
      lengths: ts(() => s.timingSafeEqual(bytesOf(1), bytesOf(1, 2))),
    });
  },
};
