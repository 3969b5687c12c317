"""Workers that misbehave, each against a real node with the default limits: what must happen to them, and
that the node and its other workers do not notice. Each scenario is a worker in tests/fixtures/workers/."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from edgeworker.isolates.pool import HOST_GRACE_S
from tests.conftest import fixture_script
from tests.utils import NodeProcess

HEALTHY = "export default { fetch() { return new Response('healthy'); } }"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    proc = NodeProcess(tmp_path_factory.mktemp("adversarial")).start()
    yield proc
    proc.stop()


async def deployed(node: NodeProcess, scenario: str, **fields: object) -> str:
    name = scenario.replace("_", "-")
    answer = await node.deploy(name, fixture_script(scenario), **fields)
    assert answer.status_code == 200, answer.text
    return f"{name}.localhost"


async def call(node: NodeProcess, host: str, path: str = "/", timeout: float = 60) -> httpx.Response:
    return await node.get(host, path, timeout=timeout)


async def assert_healthy(node: NodeProcess) -> None:
    await node.deploy("healthy", HEALTHY)
    r = await call(node, "healthy.localhost")
    assert (r.status_code, r.text) == (200, "healthy"), r.text + node.output[-2000:]


def assert_limit_page(r: httpx.Response, limit: str) -> None:
    assert r.status_code == 503, r.text
    assert f"exceeded its {limit} limit" in r.text, r.text
    assert r.headers["x-edgeworker-request-id"] in r.text


def host_pids(node: NodeProcess) -> list[int]:
    assert node.proc is not None
    pids: list[int] = []
    for task in Path(f"/proc/{node.proc.pid}/task").iterdir():
        pids += [int(p) for p in (task / "children").read_text().split()]
    return pids


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


async def test_busy_loop_is_stopped_by_the_cpu_limit(node: NodeProcess) -> None:
    host = await deployed(node, "infinite_loop")
    started = time.monotonic()
    r = await call(node, host)
    assert_limit_page(r, "CPU time")
    assert time.monotonic() - started < 5
    rid = r.headers["x-edgeworker-request-id"]
    assert node.wait_for_output(rid)
    assert any("exceeded_cpu" in line for line in node.lines if rid in line)  # logged with worker and request id
    await assert_healthy(node)


async def test_uninterruptible_builtin_is_dropped_and_the_cpu_goes_idle(node: NodeProcess) -> None:
    host = await deployed(node, "uninterruptible_fill")
    r = await call(node, host)
    assert r.status_code == 503
    # within a second or so nothing of it burns CPU any more (its host may have been replaced)
    deadline = time.monotonic() + 3
    busy = True
    while busy and time.monotonic() < deadline:
        pids = host_pids(node)
        before = cpu_ticks(pids)
        await asyncio.sleep(0.3)
        busy = cpu_ticks(pids) - before > 0.3 * os.sysconf("SC_CLK_TCK") * 0.2  # more than 20% of a core
    assert not busy
    await assert_healthy(node)


@pytest.mark.parametrize("scenario", ["array_buffer_bomb", "wasm_memory_bomb"])
async def test_off_heap_memory_is_counted(node: NodeProcess, scenario: str) -> None:
    host = await deployed(node, scenario, limits={"cpu_ms": 30_000})
    assert_limit_page(await call(node, host), "memory")
    await assert_healthy(node)


@pytest.mark.parametrize("kind", ["arrays", "strings", "typed"])
async def test_memory_bombs(node: NodeProcess, kind: str) -> None:
    host = await deployed(node, "heap_bomb", limits={"cpu_ms": 30_000})
    assert_limit_page(await call(node, host, f"/?kind={kind}"), "memory")
    await assert_healthy(node)


async def test_microtask_loop_after_the_response_is_stopped(node: NodeProcess) -> None:
    host = await deployed(node, "microtask_loop")
    r = await call(node, host)
    assert (r.status_code, r.text) == (200, "answered")
    # the chain would spin on after the response; the host closes that isolate and later requests are served
    await asyncio.sleep(0.3)
    for _ in range(3):
        assert (await call(node, host)).text == "answered"
    await assert_healthy(node)


async def test_timer_chain_does_not_outlive_the_request(node: NodeProcess) -> None:
    host = await deployed(node, "timer_chain")
    # one connection, so that one front process (and its one isolate of the worker) serves all three
    async with node.client() as client:
        headers = {"host": host}
        assert (await client.get("/", headers=headers)).text == "started"
        first = int((await client.get("/ticks", headers=headers)).text)
        assert first >= 1  # the chain ticked while its request ran, in this isolate
        await asyncio.sleep(0.3)
        second = int((await client.get("/ticks", headers=headers)).text)
    assert second == first  # no timer of a finished request ever fired again


async def test_hostile_getter_on_the_returned_object(node: NodeProcess) -> None:
    host = await deployed(node, "hostile_getter")
    r = await call(node, host)
    assert r.status_code in (500, 503)
    await assert_healthy(node)


async def test_huge_json_response(node: NodeProcess) -> None:
    host = await deployed(node, "huge_json", limits={"cpu_ms": 30_000})
    assert_limit_page(await call(node, host), "memory")
    await assert_healthy(node)


async def test_gigabyte_response(node: NodeProcess) -> None:
    host = await deployed(node, "gigabyte_response", limits={"cpu_ms": 30_000})
    assert_limit_page(await call(node, host), "memory")
    await assert_healthy(node)


async def test_loop_in_wait_until_is_charged_to_the_request(node: NodeProcess) -> None:
    host = await deployed(node, "wait_until_loop")
    r = await call(node, host)
    assert (r.status_code, r.text) == (200, "responded")
    rid = r.headers["x-edgeworker-request-id"]
    assert node.wait_for_output(f"{rid} waitUntil] exceeded_cpu")
    await assert_healthy(node)


async def test_deep_recursion_is_a_catchable_range_error(node: NodeProcess) -> None:
    host = await deployed(node, "deep_recursion")
    r = await call(node, host)
    assert r.status_code == 200
    assert r.text.startswith("RangeError: Maximum call stack size exceeded")


async def test_many_timers(node: NodeProcess) -> None:
    host = await deployed(node, "many_timers", limits={"cpu_ms": 5_000})
    r = await call(node, host)
    assert (r.status_code, r.text) == (200, "fired 100000"), r.text + node.output[-3000:]


async def test_catastrophic_regex_is_stopped(node: NodeProcess) -> None:
    host = await deployed(node, "catastrophic_regex")
    assert_limit_page(await call(node, host), "CPU time")


async def test_code_generation_from_strings_is_disallowed(node: NodeProcess) -> None:
    host = await deployed(node, "code_from_strings")
    r = await call(node, host)
    assert r.status_code == 200
    assert r.text.split(",")[:2] == ["EvalError", "EvalError"]


async def test_cpu_inside_a_timer_callback_counts(node: NodeProcess) -> None:
    host = await deployed(node, "cpu_in_timer")
    assert_limit_page(await call(node, host), "CPU time")


async def test_long_io_waits_with_little_cpu_pass(node: NodeProcess) -> None:
    host = await deployed(node, "slow_io")
    r = await call(node, host)
    assert r.status_code == 200
    assert int(r.text.split()[1]) >= 900


async def test_top_level_loop_is_rejected_at_deploy(node: NodeProcess) -> None:
    r = await node.deploy("startup-loop", fixture_script("startup_loop"))
    assert r.status_code == 400
    assert "startup exceeded the CPU time limit of 400 ms" in r.json()["error"]
    async with httpx.AsyncClient(base_url=node.admin_url) as bare:
        assert (await bare.get("/healthz")).status_code == 200
        assert 'edgeworker_limit_exceeded_total{limit="startup",worker="startup-loop"}' in (
            await bare.get("/metrics")
        ).text
    await assert_healthy(node)


async def test_a_worker_cannot_read_another_workers_env(node: NodeProcess) -> None:
    await node.deploy("victim", "export default { fetch(r, env) { return new Response(env.KEY) } }",
                      secrets={"KEY": "victim-secret"}, vars={"V": "victim-secret"})  # fmt: skip
    host = await deployed(node, "env_snoop")
    for _ in range(3):  # whichever isolate and host it lands on
        answer = (await call(node, host)).json()
        assert answer == {"found": [], "mine": {}}


async def test_clock_is_frozen_while_javascript_runs(node: NodeProcess) -> None:
    host = await deployed(node, "frozen_clock")
    answer = (await call(node, host)).json()
    assert answer["sameDuringJs"] is True
    assert answer["advancedAfterIo"] is True


async def test_limits_above_the_node_maximum_are_rejected(node: NodeProcess) -> None:
    r = await node.deploy("greedy", HEALTHY, limits={"cpu_ms": 10**9})
    assert r.status_code == 400
    assert "maximum of 30000" in r.json()["error"]


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"params": {"q": "x" * 17 * 1024}}, 414),
        ({"headers": {f"x-h{i}": "v" * 1024 for i in range(130)}}, 431),
    ],
)
async def test_request_size_limits(node: NodeProcess, kwargs: dict[str, object], status: int) -> None:
    await node.deploy("healthy", HEALTHY)
    r = await call_with(node, "healthy.localhost", **kwargs)
    assert r.status_code == status, r.text
    assert r.headers["x-edgeworker-request-id"] in r.text


async def call_with(node: NodeProcess, host: str, **kwargs: object) -> httpx.Response:
    headers = {"host": host, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
    async with node.client() as client:
        return await client.get("/", headers=headers, **kwargs)  # type: ignore[arg-type]


async def test_env_limits_at_deploy(node: NodeProcess) -> None:
    too_many = {f"V{i}": "x" for i in range(129)}
    r = await node.deploy("envy", HEALTHY, vars=too_many)
    assert r.status_code == 400 and "limit of 128" in r.json()["error"]
    r = await node.deploy("envy", HEALTHY, vars={"BIG": "x" * 6000})
    assert r.status_code == 400 and "5 KB" in r.json()["error"]


async def test_a_worker_at_its_isolate_cap_queues_then_gets_503(tmp_path: Path) -> None:
    proc = NodeProcess(tmp_path, "--max-isolates-per-worker", "1", "--queue-timeout-s", "0.5").start()
    try:
        await proc.deploy("sleepy", fixture_script("slow"))
        async with proc.client() as client:
            # both long: whichever gets the worker's one isolate, the other waits past the queue timeout
            first, second = await asyncio.gather(
                client.get("/?ms=1500", headers={"host": "sleepy.localhost"}),
                client.get("/?ms=1500", headers={"host": "sleepy.localhost"}),
            )
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [200, 503]
        refused = first if first.status_code == 503 else second
        assert refused.headers["retry-after"] == "1"
        assert "overloaded" in refused.text
        async with httpx.AsyncClient(base_url=proc.admin_url) as bare:
            metrics = (await bare.get("/metrics")).text
        assert 'edgeworker_limit_exceeded_total{limit="concurrency",worker="sleepy"} 1.0' in metrics
    finally:
        proc.stop()


async def test_body_script_and_response_size_limits(tmp_path: Path) -> None:
    proc = NodeProcess(tmp_path, "--max-body-mb", "1", "--max-script-mb", "1", "--max-response-mb", "1").start()
    try:
        echo = "export default { async fetch(r) { return new Response(await r.arrayBuffer()); } }"
        await proc.deploy("sizes", echo)
        async with proc.client() as client:
            ok = await client.post("/", content=b"x" * 1000, headers={"host": "sizes.localhost"})
            assert ok.status_code == 200 and len(ok.content) == 1000
            too_big = await client.post("/", content=b"x" * (1024 * 1024 + 1), headers={"host": "sizes.localhost"})
            assert too_big.status_code == 413
            assert too_big.headers["x-edgeworker-request-id"] in too_big.text

            async def chunked() -> AsyncIterator[bytes]:  # no content-length: counted as it arrives
                for _ in range(20):
                    yield b"y" * 100_000

            streamed = await client.post("/", content=chunked(), headers={"host": "sizes.localhost"})
            assert streamed.status_code == 413
        big = "export default { fetch() { return new Response('z'.repeat(2 * 1024 * 1024)); } }"
        await proc.deploy("bigresponse", big)
        r = await proc.get("bigresponse.localhost")
        assert_limit_page(r, "response size")
        script = "// " + "p" * (1024 * 1024) + "\nexport default { fetch() { return new Response('') } }"
        huge = await proc.deploy("hugescript", script)
        assert huge.status_code == 400 and "limit of 1 MB" in huge.json()["error"]
        async with httpx.AsyncClient(base_url=proc.admin_url) as bare:
            metrics = (await bare.get("/metrics")).text
        assert 'edgeworker_limit_exceeded_total{limit="size",worker="sizes"} 2.0' in metrics
    finally:
        proc.stop()


async def test_subrequests_are_capped_and_counted(node: NodeProcess) -> None:
    many = """export default { async fetch() {
      const errors = [];
      for (let i = 0; i < 4; i++) {
        try { await fetch('http://127.0.0.1:9/'); } catch (e) { errors.push(e.message); }
      }
      return Response.json(errors);
    } }"""
    await node.deploy("fetcher", many, limits={"subrequests": 2})
    errors = (await call(node, "fetcher.localhost")).json()
    assert errors[2:] == ["Too many subrequests by single Worker invocation."] * 2
    assert all("Too many" not in e for e in errors[:2])  # the first two were tried (and refused by egress)
    async with httpx.AsyncClient(base_url=node.admin_url) as bare:
        metrics = (await bare.get("/metrics")).text
    assert 'edgeworker_limit_exceeded_total{limit="subrequests",worker="fetcher"} 1.0' in metrics


async def test_an_isolate_past_its_soft_memory_limit_is_retired_after_its_request(node: NodeProcess) -> None:
    grower = """const kept = [];
    export default { fetch() {
      for (let i = 0; i < 25; i++) kept.push(new Array(1 << 17).fill(kept.length));  // ~25 MB more each time
      return new Response(String(kept.length));
    } }"""
    await node.deploy("grower", grower, limits={"memory_mb": 64, "cpu_ms": 5000})
    answers = [await call(node, "grower.localhost") for _ in range(10)]
    # every request succeeds: the isolate is retired (and its state dropped) before the hard limit is reached
    assert [r.status_code for r in answers] == [200] * 10, [r.text for r in answers]
    counts = [int(r.text) for r in answers]
    assert any(b <= a for a, b in zip(counts, counts[1:], strict=False)), counts  # a fresh isolate started over
    async with httpx.AsyncClient(base_url=node.admin_url) as bare:
        for _ in range(50):
            metrics = (await bare.get("/metrics")).text
            if 'edgeworker_isolates_disposed_total{reason="memory_soft_limit",worker="grower"}' in metrics:
                break
            await asyncio.sleep(0.1)
    assert 'edgeworker_isolates_disposed_total{reason="memory_soft_limit",worker="grower"}' in metrics


async def test_a_host_that_stops_answering_is_killed_and_replaced(tmp_path: Path) -> None:
    # A host that neither answers nor dies (here: stopped) holds its requests for their wall time and a grace
    # period; then the node kills it, the request gets 503, and a new host serves the worker.
    proc = NodeProcess(tmp_path, "--processes", "1", "--isolate-hosts", "1", "--wall-ms", "200").start()
    try:
        assert (await proc.deploy("frozen", "export default { fetch() { return new Response('ok'); } }")).is_success
        assert (await proc.get("frozen.localhost")).text == "ok"
        [host] = host_pids(proc)
        os.kill(host, signal.SIGSTOP)
        started = time.monotonic()
        stuck = await proc.get("frozen.localhost")
        waited = time.monotonic() - started
        assert stuck.status_code == 503 and "isolate host crashed" in stuck.text, stuck.text
        assert 0.2 + HOST_GRACE_S - 0.5 < waited < 0.2 + HOST_GRACE_S + 5
        for _ in range(100):  # a new host starts within a second
            again = await proc.get("frozen.localhost")
            if again.status_code == 200:
                break
            await asyncio.sleep(0.1)
        assert again.text == "ok"
        assert host not in host_pids(proc)
        assert "did not answer within 5.2s; killing it" in proc.output
    finally:
        proc.stop()


def main_thread_wakeups(pid: int) -> int:
    status = Path(f"/proc/{pid}/task/{pid}/status").read_text()
    return int(status.split("voluntary_ctxt_switches:")[1].split()[0])


async def test_a_quiet_node_sleeps_and_still_watches_the_next_request(tmp_path: Path) -> None:
    # once nothing has run for a while and every idle isolate is trimmed, the hosts' watchers look twice a second
    # (they looked every 10 ms); a request that comes wakes its host's watcher, which then watches its memory
    env = {**os.environ, "EDGEWORKER_TRIM_IDLE_S": "0.2"}
    quiet = NodeProcess(tmp_path, "--processes", "1", "--isolate-hosts", "1", env=env).start()
    try:
        assert (await quiet.deploy("healthy", HEALTHY)).status_code == 200
        assert [(await call(quiet, "healthy.localhost")).status_code for _ in range(5)] == [200] * 5
        await asyncio.sleep(3.5)  # QUIET_AFTER_S, and the trim
        (host,) = host_pids(quiet)
        before = main_thread_wakeups(host)
        await asyncio.sleep(3)
        assert main_thread_wakeups(host) - before < 30  # the old pace: about 300 in 3 s
        bomb = fixture_script("array_buffer_bomb")
        assert (await quiet.deploy("bomb", bomb, limits={"cpu_ms": 30_000})).status_code == 200
        await asyncio.sleep(3.5)
        assert_limit_page(await call(quiet, "bomb.localhost"), "memory")
        assert (await call(quiet, "healthy.localhost")).text == "healthy"
    finally:
        assert quiet.stop() == 0
