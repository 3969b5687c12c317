// Iteration is sorted by lower-cased name, with values of one name combined with ", ".
export default {
  async fetch() {
    const h = new Headers([["Zeta", "z"], ["alpha", "a1"], ["Beta", "b"], ["ALPHA", "a2"]]);
    const forEach = [];
    h.forEach((value, name, self) => forEach.push([name, value, self === h]));
    return respond({
      entries: [...h.entries()],
      keys: [...h.keys()],
      values: [...h.values()],
      forEach,
      tag: Object.prototype.toString.call(h),
    });
  },
};
