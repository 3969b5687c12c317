function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function zeroDelayAndOrder() {
  const order = [];
  setTimeout(() => order.push("b"), 5);
  setTimeout(() => order.push("a"), 0);
  setTimeout((x) => order.push(x), 0, "a2");
  queueMicrotask(() => order.push("micro"));
  await sleep(10);
  eq(order, ["micro", "a", "a2", "b"]);
}

export async function clearTimeoutCancels() {
  let fired = false;
  const id = setTimeout(() => { fired = true; }, 0);
  clearTimeout(id);
  await sleep(5);
  eq(fired, false);
}

export async function intervals() {
  let n = 0;
  await new Promise((resolve) => {
    const id = setInterval(() => { if (++n === 3) { clearInterval(id); resolve(); } }, 1);
  });
  eq(n, 3);
}

export async function clockAdvancesOnlyAtCrossings() {
  const t0 = performance.now();
  let x = 0;
  for (let i = 0; i < 1e6; i++) x += i;
  eq(performance.now(), t0, "frozen while JS runs");
  await sleep(20);
  eq(performance.now() - t0 >= 20, true, "advanced after waiting");
}

export async function chainOfTimeouts() {
  let n = 0;
  for (let i = 0; i < 20; i++) await sleep(0), n++;
  eq(n, 20);
}
