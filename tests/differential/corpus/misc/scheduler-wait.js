// scheduler.wait(ms) (a Workers extension) resolves after the delay.
export default {
  async fetch() {
    if (typeof scheduler === "undefined") return respond({ scheduler: "missing" });
    const log = [];
    const p = scheduler.wait(10).then(() => log.push("waited"));
    log.push("sync");
    await p;
    return respond({ log, result: await scheduler.wait(0) });
  },
};
