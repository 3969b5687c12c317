// console output goes to the request's logs; these only check that formatting does not throw.
export function formatsWithoutThrowing() {
  const cyclic = { a: 1 };
  cyclic.self = cyclic;
  console.log("%s is %d years, %i, %f, %j %o %O %%", "x", 42, 4.5, 1.5, { j: 1 }, [1], { o: 2 });
  console.info(cyclic, new Map([[1, 2]]), new Set(["s"]), new Uint8Array(3), new Error("e"), Symbol("s"), 10n, null);
  console.warn(class A {}, function f() {}, () => {}, new Date(0), /re/g, Object.create(null), new Headers());
  console.dir({ deep: { deeper: { deepest: { gone: 1 } } } });
  console.table([{ a: 1 }]);
  console.assert(false, "assertion %s", "message");
  console.count();
  console.group("g");
  console.debug("inside");
  console.groupEnd();
  console.time("t");
  console.timeEnd("t");
  console.trace("here");
}
