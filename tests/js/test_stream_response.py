"""A Response whose body is a ReadableStream reaches the host chunk by chunk (its head first, then
JsIsolate.read_stream), also when its producer waits on timers; a failed or endless stream ends the body with
StreamFailed."""

from __future__ import annotations

import pytest

from edgeworker.isolates.engine import FetchResult, HttpRequest, JsIsolate, StreamFailed, compile_worker
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


async def _fetch(path: str, body: bytes = b"") -> tuple[FetchResult, list[bytes] | StreamFailed]:
    """The head, then the chunks (or how the stream failed)."""
    isolate = await JsIsolate.create(memory_mb=128)
    try:
        await isolate.load_worker(await compile_worker(WORKER), {})
        head = await isolate.fetch(HttpRequest("POST", f"https://t{path}", [], body, "s"), wall_ms=5000)
        assert head.outcome is Outcome.OK and head.stream
        chunks: list[bytes] = []
        try:
            async for chunk in isolate.read_stream():
                chunks.append(chunk)
        except StreamFailed as failed:
            return head, failed
        return head, chunks
    finally:
        isolate.close()


async def test_slow_producer_arrives_chunk_by_chunk() -> None:
    head, chunks = await _fetch("/slow")
    assert ("content-type", "text/plain") in head.headers
    assert chunks == [b"chunk1;", b"chunk2;", b"chunk3;"]


async def test_request_body_streams_back() -> None:
    _, chunks = await _fetch("/", b"\x00\xffbytes" * 1000)
    assert isinstance(chunks, list)
    assert b"".join(chunks) == b"\x00\xffbytes" * 1000


async def test_errored_stream_fails_the_body() -> None:
    _, failed = await _fetch("/error")
    assert isinstance(failed, StreamFailed)
    assert failed.outcome is Outcome.EXCEPTION
    assert failed.error is not None and failed.error.name == "RangeError"


async def test_stream_that_never_ends_is_cut() -> None:
    _, failed = await _fetch("/never")
    assert isinstance(failed, StreamFailed)
    assert failed.outcome is Outcome.NEVER_RESPONDED


@pytest.mark.parametrize("path", ["/slow"])
async def test_the_request_closes_when_the_stream_ends(path: str) -> None:
    isolate = await JsIsolate.create(memory_mb=128)
    try:
        await isolate.load_worker(await compile_worker(WORKER), {})
        await isolate.fetch(HttpRequest("GET", f"https://t{path}", [], b"", "s"), wall_ms=5000)
        assert [c async for c in isolate.read_stream()]
        done = await isolate.finish(wall_ms=1000)
        assert done.outcome is Outcome.OK and not done.condemned
    finally:
        isolate.close()
