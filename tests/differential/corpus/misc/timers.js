// setTimeout ordering by delay, extra arguments, clearTimeout; setInterval until cleared.
export default {
  async fetch() {
    const log = [];
    setTimeout((a, b) => log.push(["t30", a, b]), 30, "x", "y");
    setTimeout(() => log.push(["t10"]), 10);
    const cancelled = setTimeout(() => log.push(["cancelled"]), 5);
    clearTimeout(cancelled);
    let n = 0;
    await new Promise((resolve) => {
      const id = setInterval(() => {
        n++;
        if (n === 3) { clearInterval(id); resolve(); }
      }, 5);
    });
    await new Promise((r) => setTimeout(r, 40));
    return respond({ log, n, clearUnknown: ts(() => clearTimeout(123456)), clearUndefined: ts(() => clearTimeout(undefined)) });
  },
};
