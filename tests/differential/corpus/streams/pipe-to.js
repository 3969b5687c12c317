// pipeTo() a WritableStream: chunks in order, then close() of the sink.
export default {
  async fetch() {
    const log = [];
    const src = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.close(); } });
    const dst = new WritableStream({ write(chunk) { log.push(["write", chunk]); }, close() { log.push(["close"]); } });
    const result = await src.pipeTo(dst);
    return respond({ log, result: result === undefined, srcLocked: src.locked, dstLocked: dst.locked });
  },
};
