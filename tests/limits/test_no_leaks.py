"""The node never leaks isolates, threads or memory because of anything a worker does: after an adversarial
run, isolate count, thread count and RSS return to their baseline (within the tolerances below). No timing is
asserted."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx

from tests.conftest import fixture_script
from tests.utils import NodeProcess

# scenario → extra deploy fields; each is requested ROUNDS times
SCENARIOS: dict[str, dict[str, object]] = {
    "infinite_loop": {},
    "microtask_loop": {},
    "timer_chain": {},
    "wait_until_loop": {},
    "catastrophic_regex": {},
    "never_resolves": {},
    "throws": {},
    "many_timers": {"limits": {"cpu_ms": 5000}},
    "heap_bomb": {"limits": {"cpu_ms": 30_000}},
    "array_buffer_bomb": {"limits": {"cpu_ms": 30_000}},
    "deep_recursion": {},
}
ROUNDS = 3
ISOLATE_SLACK = 0  # once idle isolates have timed out, only the warm spares remain
THREAD_SLACK = 4
RSS_FACTOR = 1.5
RSS_SLACK_MB = 100


def processes(node: NodeProcess) -> list[int]:
    assert node.proc is not None
    pids = [node.proc.pid]
    for task in Path(f"/proc/{node.proc.pid}/task").iterdir():
        pids += [int(p) for p in (task / "children").read_text().split()]
    return pids


def threads_and_rss(node: NodeProcess) -> tuple[int, int]:
    threads = rss_kb = 0
    for pid in processes(node):
        status = Path(f"/proc/{pid}/status").read_text()
        threads += int(re.search(r"^Threads:\s+(\d+)", status, re.M).group(1))  # type: ignore[union-attr]
        rss_kb += int(re.search(r"^VmRSS:\s+(\d+)", status, re.M).group(1))  # type: ignore[union-attr]
    return threads, rss_kb


async def isolates(node: NodeProcess) -> int:
    async with httpx.AsyncClient(base_url=node.admin_url) as bare:
        text = (await bare.get("/metrics")).text
    return int(sum(float(v) for v in re.findall(r"^edgeworker_isolates\{[^}]*\} (\S+)$", text, re.M)))


async def settled(node: NodeProcess) -> tuple[int, int, int]:
    """Wait until idle isolates have timed out and the spares are back; then measure."""
    last = (-1, -1, -1)
    for _ in range(40):
        await asyncio.sleep(0.5)
        now = (await isolates(node), *threads_and_rss(node))
        if now[:2] == last[:2]:
            return now
        last = now
    return last


async def test_adversarial_run_leaves_nothing_behind(tmp_path: Path) -> None:
    node = NodeProcess(tmp_path, "--idle-timeout-s", "1").start()
    try:
        await node.deploy("healthy", "export default { fetch() { return new Response('ok'); } }")
        assert (await node.get("healthy.localhost")).text == "ok"
        base_isolates, base_threads, base_rss = await settled(node)
        for scenario, fields in SCENARIOS.items():
            answer = await node.deploy(scenario.replace("_", "-"), fixture_script(scenario), **fields)
            assert answer.status_code == 200, answer.text
        async with node.client() as client:
            for _ in range(ROUNDS):
                for scenario in SCENARIOS:
                    r = await client.get("/", headers={"host": f"{scenario.replace('_', '-')}.localhost"}, timeout=60)
                    assert r.status_code in (200, 500, 503)
                    healthy = await client.get("/", headers={"host": "healthy.localhost"})
                    assert healthy.text == "ok"
        after_isolates, after_threads, after_rss = await settled(node)
        assert after_isolates <= base_isolates + ISOLATE_SLACK, (base_isolates, after_isolates)
        assert after_threads <= base_threads + THREAD_SLACK, (base_threads, after_threads)
        assert after_rss <= base_rss * RSS_FACTOR + RSS_SLACK_MB * 1024, (base_rss, after_rss)
        print(f"isolates {base_isolates}→{after_isolates}, threads {base_threads}→{after_threads}, "
              f"RSS {base_rss // 1024}→{after_rss // 1024} MB")  # fmt: skip
    finally:
        assert node.stop() == 0
