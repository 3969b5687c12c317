// console methods exist and return undefined (output is not compared).
export default {
  async fetch() {
    const methods = ["log", "info", "warn", "error", "debug", "trace", "table", "dir", "time", "timeEnd", "count", "assert", "group", "groupEnd"];
    return respond(Object.fromEntries(methods.map((m) => [m, typeof console[m] === "function" ? ts(() => console[m]("x")) : "missing"])));
  },
};
