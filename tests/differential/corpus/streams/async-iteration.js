// for await ... of over a ReadableStream, and breaking out cancels it.
export default {
  async fetch() {
    const s = new ReadableStream({ start(c) { ["a", "b", "c"].forEach((x) => c.enqueue(x)); c.close(); } });
    const seen = [];
    for await (const chunk of s) seen.push(chunk);
    let cancelled = false;
    const s2 = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); }, cancel() { cancelled = true; } });
    for await (const chunk of s2) { seen.push(chunk); break; }
    return respond({ seen, cancelled, locked: s2.locked });
  },
};
