// A body can be read once; reading or cloning it again throws TypeError.
export default {
  async fetch() {
    const r = new Response("abc");
    const first = await r.text();
    const s = new Response("abc");
    const reader = s.body.getReader();
    return respond({
      first, used: r.bodyUsed,
      second: await t(() => r.text()),
      clone: ts(() => r.clone()),
      lockedUsed: s.bodyUsed,
      lockedText: await t(() => s.text()),
      afterRead: (await reader.read(), s.bodyUsed),
    });
  },
};
