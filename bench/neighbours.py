"""A hostile neighbour must not degrade a healthy worker: the healthy worker's p99 latency over 1,000 requests at
a steady modest rate, alone and while four clients keep requesting another worker's busy loop back to back.

    python bench/neighbours.py [--requests 1000] [--rate 100]

Prints both p99s and their ratio (target: under 2), from the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.utils import NodeProcess  # noqa: E402

HEALTHY = "export default { fetch() { return Response.json({ ok: true }); } }"
HOSTILE = "export default { fetch() { for (;;) {} } }"


async def paced(client: httpx.AsyncClient, count: int, rate: float) -> list[float]:
    latencies: list[float] = []

    async def one(at: float) -> None:
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        started = time.perf_counter()
        r = await client.get("/", headers={"host": "healthy.localhost"})
        latencies.append((time.perf_counter() - started) * 1000)
        assert r.status_code == 200, r.text

    t0 = time.perf_counter() + 0.1
    await asyncio.gather(*(one(t0 + i / rate) for i in range(count)))
    return latencies


async def hammer(client: httpx.AsyncClient, stop: asyncio.Event, counts: list[int]) -> None:
    while not stop.is_set():
        r = await client.get("/", headers={"host": "hostile.localhost"}, timeout=60)
        counts.append(r.status_code)


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 1000) - 1]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0, help="healthy requests per second")
    args = parser.parse_args()
    node = NodeProcess(Path(tempfile.mkdtemp(prefix="edgeworker-bench-"))).start()
    try:
        await node.deploy("healthy", HEALTHY)
        await node.deploy("hostile", HOSTILE)
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(base_url=node.data_url, limits=limits, timeout=30) as client:
            await paced(client, 100, args.rate)  # warm up
            alone = await paced(client, args.requests, args.rate)
            stop = asyncio.Event()
            statuses: list[int] = []
            async with httpx.AsyncClient(base_url=node.data_url, timeout=60) as hostile_client:
                hammers = [asyncio.create_task(hammer(hostile_client, stop, statuses)) for _ in range(4)]
                await asyncio.sleep(0.5)
                beside = await paced(client, args.requests, args.rate)
                stop.set()
                await asyncio.gather(*hammers)
    finally:
        node.stop()
    print(f"\nhealthy worker, {args.requests} requests at {args.rate:g}/s; hostile: 4 clients on a busy loop "
          f"({len(statuses)} requests, {statuses.count(503)} stopped by the CPU limit)\n")
    print("| healthy worker | p50 ms | p99 ms |")
    print("|---|---|---|")
    print(f"| alone | {statistics.median(alone):.2f} | {p(alone, 0.99):.2f} |")
    print(f"| beside the hostile one | {statistics.median(beside):.2f} | {p(beside, 0.99):.2f} |")
    print(f"\np99 ratio (beside / alone): {p(beside, 0.99) / p(alone, 0.99):.2f}  (target < 2)")


if __name__ == "__main__":
    asyncio.run(main())
