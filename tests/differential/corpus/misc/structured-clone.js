// structuredClone of nested objects, Map, Set, Date, RegExp, typed arrays and cycles.
export default {
  async fetch() {
    const o = { a: [1, { b: "c" }], m: new Map([["k", 1]]), s: new Set([1, 2]), d: new Date(0), r: /x+/gi, u: new Uint8Array([1, 2]), n: null, big: 10n };
    o.self = o;
    const c = structuredClone(o);
    return respond({
      distinct: c !== o, cycle: c.self === c, a: c.a, m: [...c.m], s: [...c.s], d: c.d.toISOString(),
      r: [c.r.source, c.r.flags], u: [c.u instanceof Uint8Array, hex(c.u)], n: c.n, big: String(c.big),
      error: (() => { const e = structuredClone(new RangeError("msg")); return [e instanceof RangeError, e.message]; })(),
    });
  },
};
