"""A node's life: restarts, shutdown, crash containment, start-up deploys, dev mode."""

from __future__ import annotations

import asyncio
import functools
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, fixture_script
from tests.utils import NodeProcess


async def test_workers_and_token_survive_a_restart(tmp_path: Path) -> None:
    first = NodeProcess(tmp_path).start()
    try:
        token = first.token
        assert (await first.deploy("keeper", "export default { fetch() { return new Response('kept'); } }")).json()[
            "version"
        ] == 1
        await first.deploy("keeper", "export default { fetch() { return new Response('kept v2'); } }")
    finally:
        assert first.stop() == 0
    second = NodeProcess(tmp_path).start()
    try:
        assert second.token == token
        assert (await second.get("keeper.localhost")).text == "kept v2"
        async with second.admin() as admin:
            versions = (await admin.get("/api/workers/keeper/versions")).json()["versions"]
        assert [v["version"] for v in versions] == [1, 2]
    finally:
        second.stop()


async def test_token_from_environment(tmp_path: Path) -> None:
    proc = NodeProcess(tmp_path, env={"EDGEWORKER_ADMIN_TOKEN": "from-the-env-123"}).start()
    try:
        async with httpx.AsyncClient(base_url=proc.admin_url) as client:
            ok = await client.get("/api/workers", headers={"authorization": "Bearer from-the-env-123"})
            assert ok.status_code == 200
            assert (await client.get("/api/workers", headers={"authorization": "Bearer nope"})).status_code == 401
        assert not (tmp_path / "admin-token").exists()
    finally:
        proc.stop()


async def test_sigterm_lets_requests_in_flight_finish(tmp_path: Path) -> None:
    proc = NodeProcess(tmp_path).start()
    await proc.deploy("sleepy", fixture_script("slow"))
    async with proc.client() as client:
        pending = asyncio.create_task(client.get("/?ms=1500", headers={"host": "sleepy.localhost"}))
        await asyncio.sleep(0.5)
        proc.signal(signal.SIGTERM)
        r = await pending
    assert r.status_code == 200 and r.text == "slept 1500"
    assert proc.proc is not None
    assert await asyncio.to_thread(proc.proc.wait, 30) == 0
    assert proc.stop() == 0
    async with proc.client() as client:  # nothing accepts any more
        with pytest.raises(httpx.TransportError):
            await client.get("/", headers={"host": "sleepy.localhost"})


async def test_a_worker_that_kills_its_host_costs_only_itself(tmp_path: Path) -> None:
    # a worker's isolates live on its home host (a hash of its name): "bomber" and "neighbour" have different ones
    assert zlib.crc32(b"bomber") % 2 != zlib.crc32(b"neighbour") % 2
    proc = NodeProcess(tmp_path, "--isolate-hosts", "2").start()
    try:
        await proc.deploy("neighbour", "export default { fetch() { return new Response('fine'); } }")
        # the CPU and memory limits would stop the allocation first: let it run until V8 aborts its process
        await proc.deploy("bomber", fixture_script("host_abort"), limits={"cpu_ms": 30_000, "memory_mb": 1024})
        failures: list[str] = []
        stop = asyncio.Event()

        async def keep_calling_the_neighbour() -> int:
            served = 0
            async with proc.client() as client:
                while not stop.is_set():
                    r = await client.get("/", headers={"host": "neighbour.localhost"})
                    if r.status_code == 200 and r.text == "fine":
                        served += 1
                    else:
                        failures.append(f"{r.status_code} {r.text}")
                    await asyncio.sleep(0.02)
            return served

        caller = asyncio.create_task(keep_calling_the_neighbour())
        async with proc.client() as client:
            crashed = await client.get("/", headers={"host": "bomber.localhost"}, timeout=60)
            assert crashed.status_code == 503
            assert crashed.headers["x-edgeworker-request-id"] in crashed.text
            assert "isolate host crashed" in crashed.text
            # (an attempt may instead be stopped by the memory watch before V8 aborts: that is no crash, so keep on
            # until the third crash quarantines it)
            for _ in range(6):
                quarantined = await client.get("/", headers={"host": "bomber.localhost"}, timeout=60)
                if "quarantined" in quarantined.text:
                    break
        stop.set()
        served = await caller
        assert failures == []  # the other worker never saw a failed request
        assert served > 20
        assert quarantined.status_code == 503
        assert "quarantined" in quarantined.text
        async with proc.admin() as admin:
            assert (await admin.get("/api/workers/bomber")).json()["quarantined"] is True
            assert (await admin.get("/api/workers/neighbour")).json()["quarantined"] is False
        async with httpx.AsyncClient(base_url=proc.admin_url) as bare:
            metrics = (await bare.get("/metrics")).text
        assert "edgeworker_host_crashes_total 3.0" in metrics
        assert 'edgeworker_quarantined_total{worker="bomber"} 1.0' in metrics
        # a new deploy lifts the quarantine
        await proc.deploy("bomber", fixture_script("host_abort") + "\n", limits={"cpu_ms": 30_000, "memory_mb": 1024})
        assert (await proc.get("bomber.localhost", "/ok")).text == "still alive"
    finally:
        assert proc.stop() == 0


async def test_serve_deploys_a_folder_at_start(tmp_path: Path) -> None:
    proc = NodeProcess(tmp_path / "data", "--deploy", str(REPO / "examples")).start()
    try:
        r = await proc.get("hello.localhost", "/there")
        assert r.status_code == 200
        assert "Hello from edgeworker" in r.text and "/there" in r.text
        echo = await proc.get("echo.localhost", "/e")
        assert echo.json()["method"] == "GET"
    finally:
        proc.stop()
    again = NodeProcess(tmp_path / "data", "--deploy", str(REPO / "examples")).start()
    try:  # an unchanged folder does not make new versions
        async with again.admin() as admin:
            assert (await admin.get("/api/workers/hello")).json()["version"] == 1
    finally:
        again.stop()


def test_dev_serves_one_file_reloads_and_prints_console(tmp_path: Path) -> None:
    script = tmp_path / "worker.js"
    script.write_text("export default { fetch(r, env) { console.log('hit', env.FROM); return new Response('one'); } }")
    (tmp_path / ".dev.vars").write_text('FROM="dev vars"\n')
    cmd = [
        sys.executable,
        "-m",
        "edgeworker.server.cli",
        "dev",
        str(script),
        "--port",
        "0",
        "--data",
        str(tmp_path / "d"),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=dict(os.environ))
    lines: list[str] = []
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        url = ""
        deadline = time.monotonic() + 60
        while not url and time.monotonic() < deadline:
            found = re.search(r"data plane on (http://\S+)", "".join(lines))
            url = found.group(1) if found else ""
            time.sleep(0.05)
        assert url, "".join(lines)
        with httpx.Client(base_url=url) as client:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                r = client.get("/any/path", headers={"host": "whatever.example"})
                if r.status_code == 200:
                    break
                time.sleep(0.1)
            assert r.text == "one"
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not any("hit dev vars" in line for line in lines):
                time.sleep(0.05)
            assert any("hit dev vars" in line for line in lines), "".join(lines)
            time.sleep(0.05)
            script.write_text("export default { fetch() { return new Response('two'); } }")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and client.get("/").text != "two":
                time.sleep(0.1)
            assert client.get("/").text == "two"
            script.write_text("export default { fetch() { return new Response('three') }")  # broken
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not any("SyntaxError" in line for line in lines):
                time.sleep(0.05)
            assert any("SyntaxError" in line for line in lines), "".join(lines)
            assert client.get("/").text == "two"  # the last good version keeps serving
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
        reader.join(10)
        proc.stdout.close()
    assert code == 0
    assert "Traceback" not in "".join(lines)


async def test_a_node_without_warm_spares_starts_isolates_from_nothing(tmp_path: Path) -> None:
    proc = NodeProcess(tmp_path, "--warm-spares", "0").start()
    try:
        async with httpx.AsyncClient(base_url=proc.admin_url) as bare:
            before = (await bare.get("/metrics")).text
        assert 'edgeworker_isolates{state="spare"' not in before
        await proc.deploy("cold", "export default { fetch() { return new Response('cold start'); } }")
        assert (await proc.get("cold.localhost")).text == "cold start"
    finally:
        proc.stop()


async def test_an_idle_isolates_heap_is_trimmed(tmp_path: Path) -> None:
    # a host gives back an idle isolate's garbage (a full collection) once it has been idle a while: here 0.3 s
    proc = NodeProcess(tmp_path, "--isolate-hosts", "1", env={"EDGEWORKER_TRIM_IDLE_S": "0.3"}).start()
    worker = """export default { fetch(r) {
      const path = new URL(r.url).pathname;
      if (path === "/keep") globalThis.keep = Array.from({ length: 200000 }, (_, i) => ({ i, s: "x" + i }));
      if (path === "/drop") globalThis.keep = null;
      return new Response(path);
    } }"""
    try:
        await proc.deploy("trim", worker)
        heap = 'edgeworker_heap_used_bytes{worker="trim"}'
        async with proc.client() as client:  # one connection: one front process, and its one isolate of the worker
            get = functools.partial(client.get, headers={"host": "trim.localhost"})
            assert (await get("/keep")).text == "/keep"
            kept = await _gauge(proc, heap)  # reported with the first request's end
            assert kept > 10_000_000
            assert (await get("/drop")).text == "/drop"  # garbage now, in the old generation
            await asyncio.sleep(1.5)  # idle: trimmed; and the next request reports the heap again (once a second)
            assert (await get("/after")).text == "/after"
        for _ in range(50):
            after = await _metric(proc, heap)
            if after != kept:
                break
            await asyncio.sleep(0.1)
        assert after < kept / 3, (kept, after)
    finally:
        assert proc.stop() == 0


async def _gauge(node: NodeProcess, series: str) -> float:
    for _ in range(50):
        value = await _metric(node, series)
        if value > 0:
            return value
        await asyncio.sleep(0.1)
    return 0.0


async def _metric(node: NodeProcess, series: str) -> float:
    async with httpx.AsyncClient(base_url=node.admin_url) as bare:
        for line in (await bare.get("/metrics")).text.splitlines():
            if line.startswith(series + " "):
                return float(line.split()[-1])
    return 0.0
