"""A node of several processes (``serve --processes N``): what holds for one process holds for the node."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from edgeworker.server.cluster import SlotBook, _Ask, auto_processes, isolate_limit, settings_for
from edgeworker.server.config import NodeSettings
from tests.conftest import fixture_script
from tests.utils import NodeProcess

SLOW = "export default { async fetch() { await new Promise((r) => setTimeout(r, 300)); return new Response('slow'); } }"


def front_processes(node: NodeProcess) -> list[int]:
    """The node's other front processes (children running edgeworker.server.cluster)."""
    assert node.proc is not None
    out = subprocess.run(["pgrep", "-P", str(node.proc.pid)], capture_output=True, text=True).stdout.split()
    fronts = []
    for pid in out:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"edgeworker.server.cluster" in cmdline:
            fronts.append(int(pid))
    return fronts


def connections_served_by(pid: int, port: int) -> int:
    """Established TCP connections to the data port that process ``pid`` holds."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01" and fields[9] in inodes:
                count += 1
    return count


async def fresh_get(node: NodeProcess, host: str, path: str = "/") -> httpx.Response:
    """One request on a new connection (the processes take connections in turn, not requests)."""
    async with httpx.AsyncClient(base_url=node.data_url, timeout=60) as client:
        return await client.get(path, headers={"host": host})


@pytest.fixture
def two(tmp_path: Path) -> NodeProcess:
    return NodeProcess(tmp_path, "--processes", "2", "--isolate-hosts", "2")


async def test_every_process_serves_the_new_version_once_deploy_answers(two: NodeProcess) -> None:
    node = two.start()
    try:
        fronts = front_processes(node)
        assert len(fronts) == 1
        port = int(node.data_url.rsplit(":", 1)[1])
        requests = 0
        for version in range(1, 4):
            answer = await node.deploy("swap", f"export default {{ fetch() {{ return new Response('v{version}'); }} }}")
            assert answer.status_code == 200
            # waves of connections held open, until the second process has taken some (the processes accept from
            # one socket: whichever is waiting takes the next connection)
            served_by_other = 0
            for _ in range(20):
                clients = [httpx.AsyncClient(base_url=node.data_url, timeout=30) for _ in range(8)]
                try:
                    answers = await asyncio.gather(*(c.get("/", headers={"host": "swap.localhost"}) for c in clients))
                    served_by_other = connections_served_by(fronts[0], port)
                finally:
                    await asyncio.gather(*(c.aclose() for c in clients))
                requests += len(answers)
                assert {r.text for r in answers} == {f"v{version}"}
                if served_by_other:
                    break
            assert served_by_other > 0, "the second process took no connection"
        async with httpx.AsyncClient(base_url=node.admin_url) as bare:
            metrics = (await bare.get("/metrics")).text
        # the counts of both processes, added up
        assert f'edgeworker_requests_total{{status="200",worker="swap"}} {requests}.0' in metrics
        await node.deploy("swap", "export default { fetch() { return new Response('gone soon'); } }")
        async with node.admin() as admin:
            assert (await admin.delete("/api/workers/swap")).status_code == 200
        assert {(await fresh_get(node, "swap.localhost")).status_code for _ in range(8)} == {404}
    finally:
        assert node.stop() == 0
    assert all(not Path(f"/proc/{pid}").exists() for pid in fronts)


async def test_a_worker_cap_holds_across_processes(tmp_path: Path) -> None:
    node = NodeProcess(tmp_path, "--processes", "2", "--max-isolates-per-worker", "1").start()
    try:
        assert (await node.deploy("one", SLOW)).status_code == 200
        done_at: list[float] = []

        async def one() -> int:
            r = await fresh_get(node, "one.localhost")
            done_at.append(time.monotonic())
            return r.status_code

        started = time.monotonic()
        statuses = await asyncio.gather(*(one() for _ in range(6)))
        assert statuses == [200] * 6
        # one isolate in the whole node: the requests ran one after another, never two at once
        done_at.sort()
        assert done_at[-1] - started >= 6 * 0.3 - 0.05
        gaps = [b - a for a, b in zip(done_at, done_at[1:], strict=False)]
        assert min(gaps) >= 0.25, gaps
    finally:
        assert node.stop() == 0


async def test_host_crashes_count_towards_one_quarantine(tmp_path: Path) -> None:
    node = NodeProcess(tmp_path, "--processes", "2", "--isolate-hosts", "2").start()
    try:
        await node.deploy("bomber", fixture_script("host_abort"), limits={"cpu_ms": 30_000, "memory_mb": 1024})
        crashes = 0
        for _ in range(12):
            r = await fresh_get(node, "bomber.localhost")
            assert r.status_code == 503
            if "quarantined" in r.text:
                break
            if "isolate host crashed" in r.text:
                crashes += 1
        assert "quarantined" in r.text
        # three crashes anywhere in the node quarantine it in every process
        assert crashes == 3
        answers = [await fresh_get(node, "bomber.localhost") for _ in range(8)]
        assert all(a.status_code == 503 and "quarantined" in a.text for a in answers)
        async with httpx.AsyncClient(base_url=node.admin_url) as bare:
            metrics = (await bare.get("/metrics")).text
        assert "edgeworker_host_crashes_total 3.0" in metrics
        assert 'edgeworker_quarantined_total{worker="bomber"} 1.0' in metrics
        await node.deploy("bomber", fixture_script("host_abort") + "\n", limits={"cpu_ms": 30_000, "memory_mb": 1024})
        assert {(await fresh_get(node, "bomber.localhost", "/ok")).text for _ in range(6)} == {"still alive"}
    finally:
        assert node.stop() == 0


async def test_a_front_process_that_dies_is_replaced(tmp_path: Path) -> None:
    node = NodeProcess(tmp_path, "--processes", "2").start()
    try:
        await node.deploy("steady", "export default { fetch() { return new Response('steady'); } }")
        (first,) = front_processes(node)
        os.kill(first, signal.SIGKILL)
        for _ in range(20):  # the primary keeps serving meanwhile
            assert (await fresh_get(node, "steady.localhost")).text == "steady"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            fronts = front_processes(node)
            if fronts and fronts != [first] and node.wait_for_output("node process 1 (pid", 0.1):
                break
            await asyncio.sleep(0.1)
        assert fronts and first not in fronts
        assert node.wait_for_output(f"node process 1 (pid {fronts[0]}) serving", 30)
        await node.deploy("steady", "export default { fetch() { return new Response('steady v2'); } }")
        assert {(await fresh_get(node, "steady.localhost")).text for _ in range(12)} == {"steady v2"}
    finally:
        assert node.stop() == 0


def test_the_slot_book_keeps_count_when_an_answer_gives_the_slot_back() -> None:
    # a process that stopped waiting gets its grant and gives it straight back, from inside the grant
    book = SlotBook()
    answers: list[tuple[int, bool]] = []

    def keep(process: int) -> _Ask:
        return _Ask(process, "w", 1, lambda ok: answers.append((process, ok)))

    def gives_back(ok: bool) -> None:
        answers.append((2, ok))
        book.give(2, "w")

    assert book.ask(keep(1)) is True
    assert book.ask(_Ask(2, "w", 1, gives_back)) is False
    assert book.ask(keep(3)) is False
    book.give(1, "w")  # 2 gets it and gives it back at once; then 3 gets it
    assert answers == [(1, True), (2, True), (3, True)]
    assert book.counts["w"] == 1 and book.held[3]["w"] == 1 and not book.waiting


def test_the_slot_book_holds_the_node_to_its_limit_and_grants_the_oldest_ask_first() -> None:
    full: list[int] = []
    book = SlotBook(on_full=lambda: full.append(book.starved()), limit=2)
    answers: list[str] = []

    def ask(process: int, worker: str, cap: int = 5) -> _Ask:
        return _Ask(process, worker, cap, lambda ok: answers.append(f"{worker}@{process}:{ok}"))

    assert book.ask(ask(1, "a")) and book.ask(ask(2, "b"))
    assert not book.ask(ask(2, "c")) and not book.ask(ask(1, "a"))  # the node is full: both wait...
    assert full == [1, 2] and book.total == 2  # ...and each asked for an isolate somewhere to go
    book.give(2, "b")  # the oldest waiting ask gets the slot, whichever worker it is for
    assert answers[-1] == "c@2:True" and book.starved() == 1 and full[-1] == 1
    book.give(1, "a")
    assert answers[-1] == "a@1:True" and book.starved() == 0 and not book.waiting
    assert book.total == 2 and dict(book.held[1]) == {"a": 1} and dict(book.held[2]) == {"b": 0, "c": 1}
    book.drop(2)  # a process that goes frees what it held
    assert book.total == 1 and book.ask(ask(3, "d"))


async def test_many_clients_at_the_cap_all_get_answers(tmp_path: Path) -> None:
    # more connections than the worker's isolate cap, over both processes: slots go back and forth between them
    node = NodeProcess(tmp_path, "--processes", "2", "--max-isolates-per-worker", "4").start()
    try:
        await node.deploy("busy", "export default { async fetch() { return new Response('ok'); } }")
        (child,) = front_processes(node)

        async def client() -> list[int]:
            async with httpx.AsyncClient(base_url=node.data_url, timeout=30) as c:
                return [(await c.get("/", headers={"host": "busy.localhost"})).status_code for _ in range(25)]

        results = await asyncio.gather(*(client() for _ in range(24)))
        assert {s for r in results for s in r} == {200}
        assert front_processes(node) == [child]  # nothing went wrong between the processes
        assert "exited with code" not in node.output
    finally:
        assert node.stop() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--processes", "0"], "argument --processes: must be a positive whole number or 'auto', not '0'"),
        (["--processes", "many"], "argument --processes: must be a positive whole number or 'auto', not 'many'"),
        (["--processes", "3", "--max-isolates", "4"], "max_isolates (4) must be more than the 4 warm spares the 3"),
    ],
)
def test_bad_process_counts_are_refused(tmp_path: Path, args: list[str], message: str) -> None:
    cmd = [sys.executable, "-m", "edgeworker.server.cli", "serve", "--port", "0", "--data", str(tmp_path), *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


ECHO = """export default { async fetch(request) {
  const url = new URL(request.url);
  const body = await request.text();
  return new Response(url.hostname + " " + request.method + " " + url.pathname + " [" + body + "] "
    + request.headers.get("cf-connecting-ip"));
} }"""


async def metric_total(node: NodeProcess, name: str) -> float:
    async with httpx.AsyncClient(base_url=node.admin_url) as bare:
        text = (await bare.get("/metrics")).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + "{"))


async def test_a_quiet_worker_gets_one_isolate_in_the_node_whichever_process_its_clients_reach(tmp_path: Path) -> None:
    # each worker is asked once a round, on a connection of its own: the connections reach both processes, and
    # the second one passes those for a worker it has no isolate of to the first, so no worker gets two
    node = NodeProcess(tmp_path, "--processes", "2").start()
    try:
        names = [f"quiet{i}" for i in range(16)]
        for name in names:
            assert (await node.deploy(name, ECHO)).status_code == 200
        for _ in range(3):
            answers = await asyncio.gather(*(fresh_get(node, f"{name}.localhost", "/r") for name in names))
            assert [a.text for a in answers] == [f"{name}.localhost GET /r [] 127.0.0.1" for name in names]
            await asyncio.sleep(1.1)  # (so that no worker is busy in the second process)
        assert await metric_total(node, "edgeworker_connections_handed_off_total") > 0
        assert await metric_total(node, "edgeworker_isolates_created_total") == len(names)
    finally:
        assert node.stop() == 0


async def test_any_process_may_use_the_isolate_cap_which_holds_over_the_node(tmp_path: Path) -> None:
    # six requests at once that take 1.5 s each, with room for six isolates in the node and 1 s to wait for one:
    # each process makes what its share of them needs (with a fixed part of the cap per process, the one that
    # got more of them than its part waited, and answered 503)
    args = ["--processes", "2", "--max-isolates", "6", "--warm-spares", "0", "--queue-timeout-s", "1"]
    node = NodeProcess(tmp_path, *args).start()
    try:
        assert (await node.deploy("slow", SLOW.replace("300", "1500"))).status_code == 200

        async def client() -> list[int]:
            async with httpx.AsyncClient(base_url=node.data_url, timeout=30) as c:
                return [(await c.get("/", headers={"host": "slow.localhost"})).status_code for _ in range(2)]

        assert await asyncio.gather(*(client() for _ in range(6))) == [[200, 200]] * 6
        assert await metric_total(node, "edgeworker_isolates") == 6
        # the node is full of idle isolates of "slow": each new worker's isolate takes the place of the least
        # recently used one, in whichever process it is
        quiet = ("quiet1", "quiet2", "quiet3")
        for name in quiet:
            assert (await node.deploy(name, ECHO)).status_code == 200
        answers = await asyncio.gather(*(fresh_get(node, f"{name}.localhost") for name in quiet))
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert await metric_total(node, "edgeworker_isolates") == 6
        assert await metric_total(node, "edgeworker_isolates_disposed_total") == 3
    finally:
        assert node.stop() == 0


async def test_a_connection_that_moved_serves_on_and_sees_its_client(tmp_path: Path) -> None:
    node = NodeProcess(tmp_path, "--processes", "2").start()
    host, port = node.data_url.removeprefix("http://").rsplit(":", 1)
    try:
        # connections land on either process: new ones, each for a worker nothing ran yet, until one moved
        for attempt in range(30):
            name = f"mover{attempt}"
            assert (await node.deploy(name, ECHO)).status_code == 200
            before = await metric_total(node, "edgeworker_connections_handed_off_total")
            reader, writer = await asyncio.open_connection(host, int(port))
            head = f"Host: {name}.localhost\r\n"
            writer.write(f"GET /first HTTP/1.1\r\n{head}\r\n".encode())
            first = await asyncio.wait_for(reader.readuntil(b"127.0.0.1"), 10)
            assert first.endswith(f"{name}.localhost GET /first [] 127.0.0.1".encode())
            if await metric_total(node, "edgeworker_connections_handed_off_total") > before:
                break
            writer.close()
        else:
            pytest.fail("no connection moved to the first process")
        # the same connection, now the first process's: a body, then two requests in one write
        writer.write(f"POST /second HTTP/1.1\r\n{head}Content-Length: 4\r\n\r\nbody".encode())
        second = await asyncio.wait_for(reader.readuntil(b"127.0.0.1"), 10)
        assert second.endswith(f"{name}.localhost POST /second [body] 127.0.0.1".encode())
        writer.write(f"GET /third HTTP/1.1\r\n{head}\r\nGET /fourth HTTP/1.1\r\n{head}\r\n".encode())
        third = await asyncio.wait_for(reader.readuntil(b"127.0.0.1"), 10)
        fourth = await asyncio.wait_for(reader.readuntil(b"127.0.0.1"), 10)
        assert third.endswith(b"GET /third [] 127.0.0.1") and fourth.endswith(b"GET /fourth [] 127.0.0.1")
        writer.close()
        assert "Traceback" not in node.output
    finally:
        assert node.stop() == 0


def test_the_first_process_keeps_the_hosts_and_the_spares_and_the_cap_counts_over_the_node() -> None:
    settings = NodeSettings(data_dir=Path("/nonexistent"), processes=2, isolate_hosts=2, max_isolates=256)
    first, second = settings_for(settings, 0), settings_for(settings, 1)
    assert (first.isolate_hosts, second.isolate_hosts) == (2, 1)
    assert (first.warm_spares, second.warm_spares) == (2, 1)
    assert (first.max_isolates, second.max_isolates) == (256, 256)  # either may hold any part of it...
    assert isolate_limit(settings) == 253  # ...the slot book keeps the total, the spares' part aside
    none = NodeSettings(data_dir=Path("/nonexistent"), processes=3, max_isolates=3, warm_spares=0)
    assert [settings_for(none, i).warm_spares for i in range(3)] == [0, 0, 0] and isolate_limit(none) == 3
    assert [auto_processes(cpus) for cpus in (1, 2, 3, 4, 6, 8, 12)] == [1, 2, 2, 2, 2, 3, 4]
