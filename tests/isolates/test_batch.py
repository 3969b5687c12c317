"""Batches: several requests for one worker run one after another in one call into an isolate (fetch_batch)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from edgeworker.isolates import engine
from edgeworker.isolates.engine import Batch, HttpRequest, JsIsolate, compile_worker
from edgeworker.limits.outcome import Outcome


def request(path: str, body: bytes = b"", headers: list[tuple[str, str]] | None = None) -> HttpRequest:
    return HttpRequest("POST" if body else "GET", f"https://worker.example{path}", headers or [], body, "rid" + path)


@pytest.fixture(autouse=True)
def unhurried(monkeypatch: pytest.MonkeyPatch) -> None:
    # A loaded test machine can take more than a millisecond for a few requests; except where that rule is the
    # subject, batches here run as long as they need.
    monkeypatch.setattr(engine, "BATCH_MS", 1000)
    monkeypatch.setattr(engine, "LATE_WAIT_S", 0.05)  # async handlers' answers come in microtasks after the call


@pytest.fixture
async def isolate() -> AsyncIterator[JsIsolate]:
    iso = await JsIsolate.create(memory_mb=64)
    yield iso
    iso.close()


async def load(iso: JsIsolate, source: str) -> None:
    await iso.load_worker(await compile_worker(source), {})
    await iso.fetch(request("/w"), wall_ms=5000)  # V8 compiles the handler now, not in the batch
    await iso.finish(wall_ms=1000)


def count_calls(iso: JsIsolate) -> list[str]:
    calls: list[str] = []
    start = iso._v8.start

    def counted(code: str) -> Any:
        calls.append(code[:40])
        return start(code)

    iso._v8.start = counted  # type: ignore[method-assign]
    return calls


async def run(iso: JsIsolate, paths: list[str], cpu_ms: int | None = None, **kw: Any) -> Batch:
    return await iso.fetch_batch([request(p, **kw) for p in paths], wall_ms=5000, cpu_ms=cpu_ms)


ECHO = """export default { fetch(r) {
  console.log("saw", new URL(r.url).pathname);
  return r.arrayBuffer().then((b) => new Response(new URL(r.url).pathname + ":" + b.byteLength + ":" +
    (r.headers.get("x-tag") || ""), { headers: { "x-path": new URL(r.url).pathname } }));
} }"""


async def test_a_batch_answers_every_request_in_one_call(isolate: JsIsolate) -> None:
    await load(isolate, ECHO)
    calls = count_calls(isolate)
    reqs = [request(f"/{i}", b"x" * (i * 1000), [("x-tag", "caf\u00e9" if i == 3 else "t")]) for i in range(12)]
    batch = await isolate.fetch_batch(reqs, wall_ms=5000)
    assert (batch.ran, batch.last, batch.condemned) == (12, None, None)
    assert [r.body for r in batch.answered] == [
        f"/{i}:{i * 1000}:{'café' if i == 3 else 't'}".encode() for i in range(12)
    ]
    assert all(("x-path", f"/{i}") in r.headers for i, r in enumerate(batch.answered))
    assert [[line.message for line in r.logs] for r in batch.answered] == [[f"saw /{i}"] for i in range(12)]
    # one call for all twelve (and, since their Responses resolve in the microtasks after it, at most one poll
    # for the batch's end; growing the exchange buffer for their bodies is a call of its own)
    dispatches = [c for c in calls if not c.startswith("__edgeworker.exchange(")]
    assert dispatches[0] == "__edgeworker.dispatchBatch(131072, 1000)"
    assert len(dispatches) <= 2 and all(c.startswith("__edgeworker.poll(") for c in dispatches[1:])
    # the isolate serves single requests as before
    single = await isolate.fetch(request("/after"), wall_ms=1000)
    assert single.body == b"/after:0:"


async def test_sync_and_async_handlers_batch_alike(isolate: JsIsolate) -> None:
    await load(
        isolate,
        """export default { async fetch(r) {
      const p = new URL(r.url).pathname;
      if (p.startsWith("/sync")) return new Response("s" + p);  // (an async function: a Promise all the same)
      await null; await Promise.resolve();
      return Response.json({ p });
    } }""",
    )
    batch = await run(isolate, ["/sync1", "/a", "/sync2", "/b"])
    assert [r.body for r in batch.answered] == [b"s/sync1", b'{"p":"/a"}', b"s/sync2", b'{"p":"/b"}']
    assert batch.ran == 4


async def test_a_request_that_waits_ends_the_batch(isolate: JsIsolate) -> None:
    await load(
        isolate,
        """export default { async fetch(r, env, ctx) {
      const p = new URL(r.url).pathname;
      if (p === "/timer") await new Promise((res) => setTimeout(res, 5));
      if (p === "/later") ctx.waitUntil(new Promise((res) => setTimeout(res, 5)).then(() => console.log("bg")));
      return new Response("r" + p);
    } }""",
    )
    batch = await run(isolate, ["/a", "/timer", "/never"])
    assert [r.body for r in batch.answered] == [b"r/a"]
    assert batch.ran == 2  # "/never" never started: the host runs it later
    assert batch.last is not None and (batch.last.outcome, batch.last.body) == (Outcome.OK, b"r/timer")
    await isolate.finish(wall_ms=1000)

    batch = await run(isolate, ["/b", "/later", "/never"])
    assert [r.body for r in batch.answered] == [b"r/b"]
    assert batch.ran == 2
    assert batch.last is not None and batch.last.body == b"r/later" and batch.last.wait_until
    done = await isolate.finish(wall_ms=1000)
    assert [line.message for line in done.logs] == ["bg"]


async def test_errors_are_answers_of_their_own(isolate: JsIsolate) -> None:
    await load(
        isolate,
        """export default { fetch(r) {
      if (r.url.endsWith("/throw")) throw new RangeError("nope");
      if (r.url.endsWith("/not")) return "not a response";
      return new Response("fine");
    } }""",
    )
    batch = await run(isolate, ["/a", "/throw", "/not", "/b"])
    assert [r.outcome for r in batch.answered] == [Outcome.OK, Outcome.EXCEPTION, Outcome.EXCEPTION, Outcome.OK]
    assert batch.answered[1].error is not None and batch.answered[1].error.message == "nope"
    assert batch.answered[3].body == b"fine" and batch.ran == 4


LOOP = """export default { fetch(r) {
  if (r.url.endsWith("/loop")) for (;;) {}
  if (r.url.endsWith("/big")) { const a = []; for (;;) a.push(new Array(1e5).fill(a.length)); }
  return new Response("ok" + new URL(r.url).pathname);
} }"""


@pytest.mark.parametrize(("path", "outcome"), [("/loop", Outcome.EXCEEDED_CPU), ("/big", Outcome.EXCEEDED_MEMORY)])
async def test_a_limit_stops_only_the_request_that_went_over_it(path: str, outcome: Outcome) -> None:
    iso = await JsIsolate.create(memory_mb=64)
    try:
        await load(iso, LOOP)
        batch = await run(iso, ["/a", "/b", path, "/c"], cpu_ms=100)
        # the answers given before it are kept (read from the isolate's memory before it goes)
        assert [r.body for r in batch.answered] == [b"ok/a", b"ok/b"]
        assert batch.ran == 3  # "/c" never started
        assert batch.last is not None and (batch.last.outcome, batch.last.condemned) == (outcome, True)
        assert iso.closed
    finally:
        iso.close()


async def test_a_request_stopped_in_a_batch_had_its_whole_cpu_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # JS starts no request once the batch has run BATCH_MS, and the batch's budget is one request's and that
    # much: requests before the loop that use ~1 ms each cannot eat into its limit.
    monkeypatch.setattr(engine, "BATCH_MS", 1)
    iso = await JsIsolate.create(memory_mb=64)
    try:
        await load(
            iso,
            """export default { fetch(r) {
          if (r.url.endsWith("/loop")) for (;;) {}
          let x = 0; for (let i = 0; i < 3e5; i++) x += i;  // some CPU (about a millisecond on a slow core)
          return new Response(String(x > 0));
        } }""",
        )
        before = iso.thread_cpu_s()
        batch = await run(iso, ["/a", "/b", "/c", "/d", "/loop"], cpu_ms=30)
        used_ms = (iso.last_cpu_s - before) * 1000
        if batch.last is not None and batch.last.outcome is Outcome.EXCEEDED_CPU:
            # the loop ran: everything before it took under BATCH_MS + 1, so the loop had its 30 ms at least
            assert used_ms >= 30
        else:  # the batch ended (time) before the loop: it never started
            assert batch.last is None and batch.ran < 5
        assert batch.ran == len(batch.answered) + (batch.last is not None)
    finally:
        iso.close()


async def test_a_batch_ends_after_a_millisecond_or_so(isolate: JsIsolate, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "BATCH_MS", 1)
    await load(
        isolate,
        """export default { fetch(r) {
      const until = Date.now();  // the frozen clock: spin on work instead
      let x = 0; for (let i = 0; i < 3e6; i++) x += i;  // several milliseconds
      return new Response(String(until > 0 && x > 0));
    } }""",
    )
    batch = await run(isolate, [f"/{i}" for i in range(20)])
    assert 1 <= batch.ran < 20  # the rest wait for another call rather than behind 20 such requests
    assert batch.last is None and len(batch.answered) == batch.ran
    assert all(r.body == b"true" for r in batch.answered)


async def test_answers_that_do_not_fit_end_the_batch(isolate: JsIsolate) -> None:
    await load(
        isolate,
        """export default { fetch(r) {
      return new Response(new URL(r.url).pathname.slice(1).repeat(100000));
    } }""",
    )
    paths = ["/a", "/b", "/c", "/d", "/e"]
    batch = await run(isolate, paths)
    got = [r.body for r in batch.answered] + ([batch.last.body] if batch.last else [])
    assert got == [p[1:].encode() * 100000 for p in paths[: batch.ran]]
    assert batch.ran < 5  # the exchange buffer (128 KB after the warm-up) holds one body, then a state is too long


async def test_a_worker_that_replaces_the_exchange_buffer_fails_only_itself(isolate: JsIsolate) -> None:
    await load(
        isolate,
        """export default { fetch(r) {
      if (r.url.endsWith("/swap")) __edgeworker.exchange(1 << 20);
      return new Response("ok");
    } }""",
    )
    batch = await run(isolate, ["/a", "/swap", "/b"])
    # the host reads the answers where it left the requests: what it finds does not add up, and it stops trusting
    # this isolate; the host itself goes on
    assert batch.last is not None and batch.last.condemned
    assert isolate.closed
    fresh = await JsIsolate.create(memory_mb=64)
    try:
        await load(fresh, "export default { fetch() { return new Response('next'); } }")
        assert (await fresh.fetch(request("/"), wall_ms=1000)).body == b"next"
    finally:
        fresh.close()
