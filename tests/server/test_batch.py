"""Batches through a real node: requests that reach an isolate host together run in one call into one isolate,
and each client still gets its own response (isolates/host.py, JsIsolate.fetch_batch)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import httpx
import pytest

from tests.utils import NodeProcess

ECHO = """export default { async fetch(request) {
  const url = new URL(request.url);
  if (url.pathname === "/loop") for (;;) {}
  if (url.pathname.startsWith("/wait")) await scheduler.wait(5);
  const body = await request.text();
  const n = request.headers.get("x-n");
  return new Response(url.pathname + "|" + body + "|" + n, { headers: { "x-n": n } });
} }"""


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    # one isolate host, so that a burst's requests meet in it
    proc = NodeProcess(tmp_path_factory.mktemp("batch"), "--isolate-hosts", "1", "--cpu-ms", "50").start()
    try:
        yield proc
    finally:
        proc.stop()


async def batched(node: NodeProcess, worker: str) -> float:
    async with httpx.AsyncClient(base_url=node.admin_url) as admin:
        metrics = (await admin.get("/metrics")).text
    found = re.search(rf'^edgeworker_requests_batched_total{{worker="{worker}"}} (\S+)$', metrics, re.M)
    return float(found.group(1)) if found else 0.0


def connections(node: NodeProcess, n: int) -> httpx.AsyncClient:
    """A client that sends up to ``n`` requests at once, each on a connection of its own."""
    return httpx.AsyncClient(base_url=node.data_url, timeout=30, limits=httpx.Limits(max_connections=n))


async def burst(client: httpx.AsyncClient, worker: str, paths: list[str]) -> list[httpx.Response]:
    return await asyncio.gather(
        *(
            client.post(path, content=f"body-{n}".encode(), headers={"host": f"{worker}.localhost", "x-n": str(n)})
            for n, path in enumerate(paths)
        )
    )


def assert_echoed(responses: list[httpx.Response], paths: list[str], skip: str = "") -> None:
    for n, (path, response) in enumerate(zip(paths, responses, strict=True)):
        if path == skip:
            continue
        assert response.status_code == 200, response.text
        assert response.text == f"{path}|body-{n}|{n}"
        assert response.headers["x-n"] == str(n)


async def test_a_burst_is_batched_and_every_client_gets_its_own_response(node: NodeProcess) -> None:
    assert (await node.deploy("burst", ECHO)).status_code == 200
    paths = [f"/p{n}" for n in range(24)]
    async with connections(node, 24) as c:
        for _ in range(40):
            assert_echoed(await burst(c, "burst", paths), paths)
            if await batched(node, "burst") > 0:
                break
    assert await batched(node, "burst") > 0


async def test_a_loop_in_a_burst_costs_only_its_own_request(node: NodeProcess) -> None:
    assert (await node.deploy("looper", ECHO)).status_code == 200
    paths = [f"/p{n}" for n in range(11)] + ["/loop"] + [f"/q{n}" for n in range(12)]
    async with connections(node, 24) as c:
        for _ in range(3):
            responses = await burst(c, "looper", paths)
            assert_echoed(responses, paths, skip="/loop")
            looped = responses[paths.index("/loop")]
            assert looped.status_code == 503
            assert "CPU" in looped.text
        assert_echoed(await burst(c, "looper", paths[:8]), paths[:8])
    assert await batched(node, "looper") > 0


async def test_requests_that_wait_run_side_by_side(node: NodeProcess) -> None:
    # a batch whose first request waits for a timer hands the others back: they run in their own isolates
    assert (await node.deploy("waiter", ECHO)).status_code == 200
    paths = [f"/wait{n}" for n in range(16)]
    async with connections(node, 16) as c:
        for _ in range(3):
            assert_echoed(await burst(c, "waiter", paths), paths)
