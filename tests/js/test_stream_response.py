"""A Response whose body is a ReadableStream reaches the host whole, also when its producer waits on timers."""

from __future__ import annotations

from edgeworker.isolates.engine import FetchResult, HttpRequest, JsIsolate, compile_worker
from edgeworker.limits.outcome import Outcome

WORKER = """
export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    const enc = new TextEncoder();
    if (path === "/slow") {
      let i = 0;
      return new Response(new ReadableStream({
        async pull(c) {
          await scheduler.wait(5);
          if (++i > 3) c.close(); else c.enqueue(enc.encode("chunk" + i + ";"));
        },
      }), { headers: { "content-type": "text/plain" } });
    }
    if (path === "/error") {
      const start = (c) => { c.enqueue(enc.encode("x")); c.error(new RangeError("bad")); };
      return new Response(new ReadableStream({ start }));
    }
    if (path === "/never") return new Response(new ReadableStream());
    return new Response(request.body);
  },
};
"""


async def _fetch(path: str, body: bytes = b"") -> FetchResult:
    isolate = await JsIsolate.create(memory_mb=128)
    try:
        await isolate.load_worker(await compile_worker(WORKER), {})
        return await isolate.fetch(HttpRequest("POST", f"https://t{path}", [], body, "s"), wall_ms=5000)
    finally:
        isolate.close()


async def test_slow_producer() -> None:
    result = await _fetch("/slow")
    assert result.outcome is Outcome.OK
    assert result.body == b"chunk1;chunk2;chunk3;"
    assert ("content-type", "text/plain") in result.headers


async def test_request_body_streams_back() -> None:
    result = await _fetch("/", b"\x00\xffbytes" * 1000)
    assert result.body == b"\x00\xffbytes" * 1000


async def test_errored_stream_fails_the_request() -> None:
    result = await _fetch("/error")
    assert result.outcome is Outcome.EXCEPTION
    assert result.error.name == "RangeError"


async def test_stream_that_never_ends_never_responds() -> None:
    result = await _fetch("/never")
    assert result.outcome is Outcome.NEVER_RESPONDED
