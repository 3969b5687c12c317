function eq(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}

export async function waitResolvesAfterTheDelay() {
  const start = performance.now();
  eq(await scheduler.wait(20), undefined);
  if (performance.now() - start < 20) throw new Error("resolved too early");
  eq(Object.prototype.toString.call(scheduler), "[object Scheduler]");
}

export async function waitIsAbortable() {
  const ac = new AbortController();
  const p = scheduler.wait(10_000, { signal: ac.signal });
  ac.abort("stop");
  try { await p; throw new Error("did not reject"); } catch (e) { eq(e, "stop"); }
  try { await scheduler.wait(1, { signal: AbortSignal.abort("pre") }); throw new Error("did not reject"); } catch (e) { eq(e, "pre"); }
}

export async function intervalRepeatsUntilCleared() {
  let n = 0;
  await new Promise((resolve) => {
    const id = setInterval(() => { if (++n === 3) { clearInterval(id); resolve(); } }, 2);
  });
  await scheduler.wait(10);
  eq(n, 3);
}

export function performanceAndNavigator() {
  eq(performance.timeOrigin, 0);
  eq(Math.abs(performance.now() - Date.now()) < 1000, true, "performance.now() is time since the epoch (timeOrigin 0), as on Workers");
  eq(navigator.userAgent, "Cloudflare-Workers");
}
