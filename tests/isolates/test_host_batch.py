"""An isolate host speaking its frames: requests that arrive together for one worker run as a batch, and each
gets the answer and the "fin" it would get alone, about the isolate the node gave it (isolates/host.py)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest

from edgeworker.isolates import _ipc
from edgeworker.isolates.engine import compile_worker
from edgeworker.isolates.pool import HOST_COMMAND

WORKER = """export default { async fetch(request) {
  const path = new URL(request.url).pathname;
  if (path === "/loop") for (;;) {}
  if (path === "/timer") await scheduler.wait(5);
  return new Response("ran " + path);
} }"""


class Host:
    def __init__(self) -> None:
        self.frames: asyncio.Queue[tuple[dict[str, Any], bytes]] = asyncio.Queue()
        self.channel: _ipc.FrameProtocol | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.mids = iter(range(1, 1 << 30))

    async def start(self) -> None:
        parent, child = socket.socketpair()
        self.proc = subprocess.Popen(
            [sys.executable, *HOST_COMMAND, "--fd", str(child.fileno())],
            pass_fds=(child.fileno(),),
            # a batch may run 20 ms here rather than 1: a loaded test machine can take a millisecond for two requests
            env={**os.environ, "EDGEWORKER_BATCH_MS": "20"},
        )
        child.close()
        self.channel = await _ipc.connect(parent, lambda h, b: self.frames.put_nowait((h, b)), lambda exc: None)
        assert (await self.next())["t"] == "ready"

    async def next(self) -> dict[str, Any]:
        header, body = await asyncio.wait_for(self.frames.get(), 10)
        header["body"] = body
        return header

    def send(self, header: dict[str, Any]) -> int:
        assert self.channel is not None
        header["mid"] = mid = next(self.mids)
        self.channel.send(header)  # the frames sent in one turn of the loop leave in one write
        return mid

    def fetch(self, iso: int, path: str) -> int:
        request = {"method": "GET", "url": f"https://w.example{path}", "headers": [], "rid": path}
        return self.send(
            {"t": "fetch", "iso": iso, "wall_ms": 5000, "wait_until_ms": 5000, "cpu_ms": 50, "req": request}
        )

    async def answers(self, mids: list[int]) -> dict[int, list[dict[str, Any]]]:
        """Frames until every mid has its "res" and its "fin" (in the "res", or after it)."""
        got: dict[int, list[dict[str, Any]]] = {mid: [] for mid in mids}
        done: set[int] = set()
        while len(done) < len(mids):
            frame = await self.next()
            got[frame["mid"]].append(frame)
            if frame["t"] in ("fin", "err") or "fin_now" in frame or (frame["t"] == "res" and not frame.get("fin")):
                done.add(frame["mid"])
        return got

    async def stop(self) -> None:
        if self.channel is not None:
            self.channel.close()  # the host exits when the node's end of its socket closes
        if self.proc is not None:
            await asyncio.to_thread(self.proc.wait, 10)


def load_message(iso: int) -> dict[str, Any]:
    return {"t": "load", "iso": iso, "memory_mb": 64, "env": {}, "startup_cpu_ms": 1000, "worker": "w@1"}


@pytest.fixture
async def host() -> AsyncIterator[Host]:
    h = Host()
    await h.start()
    compiled = await compile_worker(WORKER)
    for iso in (1, 2, 3, 4):
        h.send(dict(load_message(iso), code=compiled.code, format=compiled.format, line1=compiled.line1_offset))
        assert (await h.next())["t"] == "ok"
        # one request each first, alone: the worker's code is compiled then, not in the batch below
        answers = await h.answers([h.fetch(iso, "/warm")])
        assert not any(frame.get("batched") for frames in answers.values() for frame in frames)
    yield h
    await h.stop()


async def test_requests_that_arrive_together_run_as_a_batch(host: Host) -> None:
    mids = [host.fetch(iso, path) for iso, path in ((1, "/a"), (2, "/b"), (3, "/c"), (4, "/d"))]
    got = await host.answers(mids)
    for mid, path in zip(mids, ("/a", "/b", "/c", "/d"), strict=True):
        res = got[mid][0]
        assert (res["t"], res["status"], res["body"], res["batched"]) == ("res", 200, b"ran " + path.encode(), True)
        fin = res.get("fin_now") or got[mid][1]
        assert (fin["t"], fin["condemned"]) == ("fin", False)
    assert "fin_now" not in got[mids[0]][0]  # the batch's isolate comes back once the batch is over


async def test_a_loop_in_a_batch_stops_only_itself(host: Host) -> None:
    mids = [host.fetch(iso, path) for iso, path in ((1, "/a"), (2, "/b"), (3, "/loop"), (4, "/d"))]
    got = await host.answers(mids)
    a, b, loop, d = (got[mid] for mid in mids)
    assert (a[0]["body"], b[0]["body"], d[0]["body"]) == (b"ran /a", b"ran /b", b"ran /d")
    assert a[0]["batched"] and b[0]["batched"] and loop[0]["batched"]
    assert "batched" not in d[0]  # it never started in the batch: it ran afterwards, in its own isolate 4
    # the loop's answer is its own; the isolate the node gave it (3) is free and intact...
    assert (loop[0]["outcome"], loop[0]["condemned"], loop[0]["fin_now"]["condemned"]) == ("exceeded_cpu", False, False)
    # ...while the batch's isolate (1) is gone, and its own request's "fin" says so
    assert (a[1]["t"], a[1]["condemned"]) == ("fin", True)
    after = await host.answers([host.fetch(3, "/e"), host.fetch(1, "/f")])
    e, f = after.values()
    assert e[0]["body"] == b"ran /e"
    assert f[0]["t"] == "err" and f[0]["no_isolate"]


async def test_a_request_that_waits_hands_the_rest_back(host: Host) -> None:
    mids = [host.fetch(iso, path) for iso, path in ((1, "/timer"), (2, "/b"), (3, "/c"))]
    got = await host.answers(mids)
    assert [got[mid][0]["body"] for mid in mids] == [b"ran /timer", b"ran /b", b"ran /c"]
    assert all(frame.get("condemned") is not True for frames in got.values() for frame in frames)
    # the worker's requests now run one per isolate for a while (SOLO_S): nothing is batched
    again = await host.answers([host.fetch(iso, "/x") for iso in (1, 2, 3)])
    assert not any(frames[0].get("batched") for frames in again.values())


async def test_a_worker_that_breaks_the_batch_bridge_fails_only_its_own_request() -> None:
    h = Host()
    await h.start()
    try:
        compiled = await compile_worker(
            "__edgeworker.dispatchBatch = () => JSON.stringify({ s: 'batch' });\n"
            "export default { fetch(r) { return new Response('single ' + new URL(r.url).pathname); } }"
        )
        for iso in (1, 2, 3):
            h.send(dict(load_message(iso), code=compiled.code, format=compiled.format, line1=compiled.line1_offset))
            assert (await h.next())["t"] == "ok"
        mids = [h.fetch(iso, path) for iso, path in ((1, "/a"), (2, "/b"), (3, "/c"))]
        got = await h.answers(mids)
        first = got[mids[0]][0]
        assert (first["outcome"], first["condemned"]) == ("exception", True)  # the batch's isolate goes
        assert [got[mid][0]["body"] for mid in mids[1:]] == [b"single /b", b"single /c"]  # each in its own
    finally:
        await h.stop()
