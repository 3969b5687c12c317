// queueMicrotask runs in order with promise reactions, before timers.
export default {
  async fetch() {
    const log = [];
    setTimeout(() => log.push("timeout"), 0);
    Promise.resolve().then(() => log.push("then1"));
    queueMicrotask(() => log.push("micro1"));
    Promise.resolve().then(() => log.push("then2"));
    queueMicrotask(() => { log.push("micro2"); queueMicrotask(() => log.push("nested")); });
    log.push("sync");
    await new Promise((r) => setTimeout(r, 10));
    return respond({ log, notFunction: ts(() => queueMicrotask("x")) });
  },
};
