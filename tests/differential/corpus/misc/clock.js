// Time does not advance during synchronous execution (Spectre mitigation); performance.now() is a number.
export default {
  async fetch() {
    const a = Date.now();
    let spins = 0;
    while (Date.now() === a && spins < 1e7) spins++;
    const p1 = performance.now();
    const p2 = performance.now();
    return respond({ frozen: Date.now() === a, perfType: typeof p1, perfFrozen: p1 === p2, timeOrigin: performance.timeOrigin });
  },
};
