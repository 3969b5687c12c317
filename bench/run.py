"""edgeworker against Cloudflare's workerd and plain Starlette, in the same run, on this machine.

    python bench/run.py [--seconds 5] [--rounds 3] [--connections 32] [--workers 1000] [--starts 30] [--serial 20]
                        [--quick]

On first run it installs what it needs into ignored folders: wrk (Debian's package) if missing, and the pinned
npm package `workerd` (bench/package.json + package-lock.json, `npm ci` into bench/node_modules). It then starts,
on free loopback ports: an edgeworker node with default settings, one with `--isolate-hosts 1` and one with
another number of front processes (`--processes 1` where `auto` gives several, else `--processes 2`), a plain-Starlette
baseline (bench/starlette_app.py) and workerd serving the same worker files (bench/workers/*.js, config generated
into bench/.workerd/). Each scenario is driven with `wrk -t2 -cC -dSs` on every server in alternation, ROUNDS
times (each round in another order, so that no server always follows the same one), and the table gives the
medians and the ratios from this run. Also: each scenario's latency with one client
sending one request at a time, isolate start times (from a warm spare and from nothing), memory per warm idle isolate,
1,000 distinct workers requested round-robin (edgeworker only) with the node's total RSS, and where the CPU of a
hello request goes (per-thread CPU accounting, plus a py-spy profile). Numbers on a shared machine are noisy: read the
same-run ratios. The whole run takes about 10 minutes on 2 cores.

`--quick` is about two minutes: 2 s per run, 1 round, 300 workers.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))

from edgeworker.isolates.pool import available_cpus  # noqa: E402
from edgeworker.server.cluster import auto_processes  # noqa: E402
from tests.utils import NodeProcess  # noqa: E402

WORKERS_DIR = BENCH / "workers"
WORKERD_DIR = BENCH / ".workerd"  # generated config and workerd's log (ignored)
COMPAT_DATE = "2024-09-23"
SHA256_OF_INPUT = "631b84027d6b9e52b539c4e8373622d23032dfadc64d60af87339c9037e4f769"  # hashlib, bytes i % 251


# ---------------------------------------------------------------------------------------------------------------
# set-up


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    log("installing wrk from Debian's packages")
    if subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
    found = shutil.which("wrk")
    assert found, "wrk could not be installed"
    return found


def ensure_workerd() -> str:
    binary = BENCH / "node_modules" / ".bin" / "workerd"
    if not binary.exists():
        log("installing workerd (npm ci in bench/)")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=BENCH, check=True, capture_output=True)
    # the npm wrapper resolves to the platform package's native binary; run that directly (no node in between)
    for candidate in sorted((BENCH / "node_modules" / "@cloudflare").glob("workerd-*/bin/workerd")):
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return str(binary)


# ---------------------------------------------------------------------------------------------------------------
# scenarios


@dataclass
class Scenario:
    key: str  # worker file bench/workers/{key}.js, worker name on edgeworker
    title: str
    starlette_path: str | None  # None: no Python baseline for this one
    lua: str | None = None
    limits: dict[str, int] | None = None


SCENARIOS = [
    Scenario("hello", "hello JSON", "/"),
    Scenario("hello-async", "hello JSON, async fetch()", "/"),
    Scenario("echo", "echo/transform 16 KB JSON POST", "/echo", lua="post.lua"),
    Scenario("sha256", "SHA-256 of 1 MiB in plain JS", None, limits={"cpu_ms": 5000}),
    Scenario("stream", "1 MiB streamed (16 x 64 KiB)", "/stream"),
    # the upstream is the Starlette baseline's hello (env.UPSTREAM); no Python row: that would measure httpx
    Scenario("fetch", "one outbound fetch() to a local upstream", None),
]


def make_post_body(path: Path) -> bytes:
    """About 16 KB of JSON: 160 items with an id, a name and a value."""
    items = [{"id": i, "name": f"item-{i:04d}-abcdefghijklmnopqrstuvwxyz", "value": i * 3} for i in range(160)]
    body = json.dumps({"items": items}, separators=(",", ":")).encode()
    path.write_bytes(body)
    return body


def expected_echo(body: bytes) -> dict:
    items = [{"id": i["id"], "name": i["name"].upper(), "value": i["value"] * 2} for i in json.loads(body)["items"]]
    return {"count": len(items), "total": sum(i["value"] for i in items), "items": items}


@dataclass
class Target:
    server: str
    url: str
    host: str


# ---------------------------------------------------------------------------------------------------------------
# servers


def deploy(
    client: httpx.Client,
    node: NodeProcess,
    name: str,
    script: str,
    limits: dict | None = None,
    vars: dict | None = None,
) -> None:
    body: dict = {"script": script}
    if limits:
        body["limits"] = limits
    if vars:
        body["vars"] = vars
    r = client.put(f"{node.admin_url}/api/workers/{name}", json=body, headers=node.headers)
    if r.status_code != 200:
        raise RuntimeError(f"deploy {name}: {r.status_code} {r.text}")


def write_workerd_config(ports: dict[str, int], upstream: str = "") -> Path:
    """One service and socket per scenario; the fetch scenario's worker gets UPSTREAM, and its outbound requests
    may reach loopback (workerd's default "internet" service allows public addresses only)."""
    WORKERD_DIR.mkdir(exist_ok=True)
    services = ",\n".join(
        f'    (name = "{key}", worker = (modules = [(name = "worker.js", esModule = embed "../workers/{key}.js")], '
        f'compatibilityDate = "{COMPAT_DATE}"'
        + (f', bindings = [(name = "UPSTREAM", text = "{upstream}")]' if key == "fetch" else "")
        + "))"
        for key in ports
    )
    services += ',\n    (name = "internet", network = (allow = ["public", "private", "local"]))'
    sockets = ",\n".join(
        f'    (name = "{key}", address = "127.0.0.1:{port}", http = (), service = "{key}")'
        for key, port in ports.items()
    )
    config = WORKERD_DIR / "config.capnp"
    config.write_text(
        "# generated by bench/run.py: one service and one socket per scenario\n"
        'using Workerd = import "/workerd/workerd.capnp";\n'
        f"const config :Workerd.Config = (\n  services = [\n{services}\n  ],\n  sockets = [\n{sockets}\n  ]\n);\n"
    )
    return config


def wait_http(url: str, host: str = "localhost", timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, headers={"host": host}, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            pass
    return out


def node_processes(pid: int) -> tuple[list[int], list[int]]:
    """A node's front processes (the one started, and those it started for ``--processes``) and isolate hosts."""
    fronts, hosts, todo = [pid], [], children(pid)
    while todo:
        child = todo.pop()
        try:
            front = b"edgeworker.server.cluster" in Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if front:
            fronts.append(child)
            todo.extend(children(child))
        else:
            hosts.append(child)
    return fronts, hosts


def node_rss_mb(pid: int) -> float:
    fronts, hosts = node_processes(pid)
    return sum(rss_kb(p) for p in fronts + hosts) / 1024


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def thread_cpu_ns(pid: int) -> dict[int, int]:
    """CPU time of each thread of a process (first field of /proc/PID/task/TID/schedstat, in ns)."""
    out: dict[int, int] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out[int(task.name)] = int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError):
            pass
    return out


def metric_sum(node: NodeProcess, name: str) -> float:
    text = httpx.get(f"{node.admin_url}/metrics", timeout=10).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + "{"))


# ---------------------------------------------------------------------------------------------------------------
# wrk


@dataclass
class Run:
    rps: float
    p50: float
    p99: float
    errors: int
    requests: int


def _ms(text: str) -> float:
    value = float(re.match(r"[\d.]+", text).group(0))  # type: ignore[union-attr]
    if text.endswith("us"):
        return value / 1000
    if text.endswith("ms"):
        return value
    if text.endswith("m"):
        return value * 60_000
    return value * 1000


def wrk(
    binary: str, target: Target, seconds: int, connections: int, lua: str | None = None, lua_args: list[str] = ()
) -> Run:
    cmd = [binary, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    cmd += ["-H", f"Host: {target.host}"]
    if lua:
        cmd += ["-s", str(BENCH / lua)]
    cmd.append(target.url)
    if lua_args:
        cmd += ["--", *lua_args]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    try:
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
        p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
        p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
        requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        raise RuntimeError(f"could not read wrk's output for {target}:\n{out}") from None
    if seconds > 1 and (requests == 0 or "errors" in out):  # not for the 1 s warm-ups
        log(f"wrk against {target.server} {target.host}:\n{out}")
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    return Run(rps, p50, p99, errors, requests)


@dataclass
class Row:
    runs: list[Run] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return statistics.median(r.rps for r in self.runs)

    def line(self) -> str:
        rounds = " / ".join(f"{r.rps:,.0f}" for r in self.runs)
        return (
            f"{self.rps:,.0f} | {statistics.median(r.p50 for r in self.runs):.2f} | "
            f"{statistics.median(r.p99 for r in self.runs):.2f} | {sum(r.errors for r in self.runs)} | {rounds}"
        )


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _bucket(frame: str) -> str:
    if "py_mini_racer/" in frame:
        return "mini-racer's Python side (eval_cancelable, results, memory checks)"
    if any(p in frame for p in ("(isolates/", "(server/", "(limits/", "edgeworker/")):
        return "edgeworker's own code"
    if any(p in frame for p in ("json/", "json.")):
        return "json"
    if any(p in frame for p in ("asyncio/", "uvloop/", "selectors", "socket.py", "(ssl")):
        return "asyncio / uvloop event loop and sockets"
    if any(p in frame for p in ("uvicorn/", "h11/", "httptools/")):
        return "uvicorn / HTTP parsing"
    if "starlette/" in frame:
        return "starlette"
    return "other (stdlib, dataclasses, logging, …)"


def pyspy_profile(spy: str, wrk_bin: str, node: NodeProcess, connections: int, seconds: int) -> dict:
    """Sample the front process and the isolate hosts with py-spy (100 Hz, non-blocking, idle excluded) during a
    hello run that is not counted in the table; count samples by the module of the innermost Python frame."""
    assert node.proc is not None
    fronts, hosts = node_processes(node.proc.pid)
    pids = {**{pid: "front process" for pid in fronts}, **{pid: "isolate hosts" for pid in hosts}}
    out = Path(tempfile.mkdtemp(prefix="edgeworker-spy-"))
    load = subprocess.Popen(
        [wrk_bin, "-t2", f"-c{connections}", f"-d{seconds + 2}s", "-H", "Host: hello.localhost", node.data_url + "/"],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(1)
    spies = [
        subprocess.Popen(
            [
                spy,
                "record",
                "--format",
                "raw",
                "--nonblocking",
                "-r",
                "100",
                "-d",
                str(seconds),
                "-p",
                str(pid),
                "-o",
                str(out / f"{pid}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for pid in pids
    ]
    for p in spies:
        p.wait()
    load.wait()
    buckets: dict[str, dict[str, int]] = {}
    for pid, role in pids.items():
        path = out / f"{pid}.txt"
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            leaf = stack.rsplit(";", 1)[-1]
            role_buckets = buckets.setdefault(role, {})
            role_buckets[_bucket(leaf)] = role_buckets.get(_bucket(leaf), 0) + int(count)
    shutil.rmtree(out, ignore_errors=True)
    return buckets


# ---------------------------------------------------------------------------------------------------------------
# checks: every server answers every scenario the same way before it is timed


def check(target: Target, scenario: Scenario, post_body: bytes) -> None:
    headers = {"host": target.host}
    if scenario.key == "echo":
        r = httpx.post(target.url, content=post_body, headers={**headers, "content-type": "application/json"})
        assert r.status_code == 200 and r.json() == expected_echo(post_body), (
            target.server,
            r.status_code,
            r.text[:200],
        )
    else:
        r = httpx.get(target.url, headers=headers, timeout=30)
        assert r.status_code == 200, (target.server, scenario.key, r.status_code, r.text[:300])
        if scenario.key in ("hello", "hello-async", "fetch"):
            assert r.json() == {"hello": "world"}, (target.server, r.text)
        elif scenario.key == "sha256":
            assert r.json() == {"sha256": SHA256_OF_INPUT}, (target.server, r.text)
        elif scenario.key == "stream":
            assert len(r.content) == 1 << 20 and set(r.content) == {ord("x")}, (target.server, len(r.content))


def timed(client: httpx.Client, target: Target, scenario: Scenario, post_body: bytes) -> float:
    headers = {"host": target.host}
    t0 = time.perf_counter()
    if scenario.key == "echo":
        r = client.post(target.url, content=post_body, headers={**headers, "content-type": "application/json"})
    else:
        r = client.get(target.url, headers=headers)
    r.raise_for_status()
    return (time.perf_counter() - t0) * 1000


# ---------------------------------------------------------------------------------------------------------------



def _build() -> str:
    """How the edgeworker this Python runs was installed: compiled by mypyc (setup.py) or as Python sources."""
    import edgeworker.server.protocol

    if str(edgeworker.server.protocol.__file__).endswith(".so"):
        return "compiled by mypyc"
    return "as Python sources (editable, or built without a C compiler: slower)"


def main() -> None:  # noqa: C901, PLR0912, PLR0915
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1000, help="distinct workers for the round-robin row")
    parser.add_argument("--starts", type=int, default=30, help="fresh workers timed for each kind of isolate start")
    parser.add_argument("--serial", type=int, default=20, help="sequential requests per server and scenario")
    parser.add_argument("--quick", action="store_true", help="about two minutes: 2 s runs, 1 round, 300 workers")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.rounds, args.workers, args.starts = 2, 1, 300, 15
    began = time.monotonic()
    load_before = os.getloadavg()

    wrk_bin = ensure_wrk()
    workerd_bin = ensure_workerd()
    workerd_version = subprocess.run([workerd_bin, "--version"], capture_output=True, text=True).stdout.strip()
    scripts = {s.key: (WORKERS_DIR / f"{s.key}.js").read_text() for s in SCENARIOS}

    tmp = Path(tempfile.mkdtemp(prefix="edgeworker-bench-"))
    post_file = tmp / "post.json"
    post_body = make_post_body(post_file)
    procs: list[subprocess.Popen] = []
    nodes: list[NodeProcess] = []
    results: dict[tuple[str, str], Row] = {}
    cpu_split: dict[str, float] = {}  # ns of CPU over all measured hello runs on the default node
    profiled_requests = 0
    extra: dict[str, object] = {}
    client = httpx.Client(timeout=60)
    try:
        # ---- servers
        other_fronts = "1" if auto_processes(available_cpus()) > 1 else "2"  # the other number of front processes
        other = f"edgeworker --processes {other_fronts}"
        log(f"starting edgeworker (default, --isolate-hosts 1, --processes {other_fronts}), starlette, workerd")
        # (the fetch scenario's upstream is on loopback, which a node's egress policy blocks unless allowed)
        ew = NodeProcess(tmp / "ew", "--allow-egress", "127.0.0.1").start()
        nodes.append(ew)
        ew1 = NodeProcess(tmp / "ew1", "--isolate-hosts", "1").start()
        nodes.append(ew1)
        ew2 = NodeProcess(tmp / "ew2", "--processes", other_fronts).start()
        nodes.append(ew2)
        st_port = free_port()
        upstream = f"http://127.0.0.1:{st_port}/"
        for node in (ew, ew1, ew2):
            for s in SCENARIOS:
                deploy(client, node, s.key, scripts[s.key], s.limits, {"UPSTREAM": upstream})
        procs.append(subprocess.Popen([sys.executable, str(BENCH / "starlette_app.py"), str(st_port)]))
        wd_ports = {s.key: free_port() for s in SCENARIOS}
        config = write_workerd_config(wd_ports, upstream)
        wd_log = open(WORKERD_DIR / "workerd.log", "w")  # noqa: SIM115
        procs.append(
            subprocess.Popen([workerd_bin, "serve", config.name], cwd=WORKERD_DIR, stdout=wd_log, stderr=wd_log)
        )
        wait_http(f"http://127.0.0.1:{st_port}/")
        wait_http(f"http://127.0.0.1:{wd_ports['hello']}/")

        def targets(s: Scenario) -> list[Target]:
            out = [
                Target("edgeworker", ew.data_url + "/", f"{s.key}.localhost"),
                Target("workerd", f"http://127.0.0.1:{wd_ports[s.key]}/", "localhost"),
            ]
            if s.starlette_path is not None:
                out.append(Target("starlette", f"http://127.0.0.1:{st_port}{s.starlette_path}", "localhost"))
            if s.key == "hello":
                out.append(Target("edgeworker --isolate-hosts 1", ew1.data_url + "/", "hello.localhost"))
                out.append(Target(other, ew2.data_url + "/", "hello.localhost"))
            return out

        for s in SCENARIOS:
            for t in targets(s):
                check(t, s, post_body)

        # ---- one client, one request at a time: latency without queueing (after a few warm-up requests)
        serial: dict[tuple[str, str], list[float]] = {}
        for s in SCENARIOS:
            for t in targets(s):
                with httpx.Client(timeout=30) as one:  # one keep-alive connection
                    serial[(s.key, t.server)] = [timed(one, t, s, post_body) for _ in range(5 + args.serial)][5:]

        # ---- throughput, alternating
        assert ew.proc is not None
        front_pid = ew.proc.pid
        for s in SCENARIOS:
            lua_args = [str(post_file)] if s.lua else []
            for t in targets(s):  # warm up (JIT, isolates, connections)
                wrk(wrk_bin, t, 1, args.connections, s.lua, lua_args)
            for rnd in range(args.rounds):
                log(f"{s.key}: round {rnd + 1}/{args.rounds}")
                order = targets(s)
                order = order[rnd % len(order) :] + order[: rnd % len(order)]
                for t in order:
                    profile = s.key == "hello" and t.server == "edgeworker"
                    if profile:
                        fronts, hosts = node_processes(front_pid)
                        before = {pid: thread_cpu_ns(pid) for pid in [*fronts, *hosts]}
                    run = wrk(wrk_bin, t, args.seconds, args.connections, s.lua, lua_args)
                    if profile:
                        for pid, threads in before.items():
                            after = thread_cpu_ns(pid)
                            for tid, ns in after.items():
                                if pid in fronts:
                                    part = "front processes (Python: uvicorn, routing, IPC)"
                                elif tid == pid:
                                    part = "isolate hosts, main thread (Python: event loop, IPC, mini-racer calls)"
                                else:
                                    part = "isolate hosts, other threads (V8 isolate threads)"
                                cpu_split[part] = cpu_split.get(part, 0) + ns - threads.get(tid, 0)
                        profiled_requests += run.requests
                    results.setdefault((s.key, t.server), Row()).runs.append(run)

        # ---- hello latency at half of each server's own maximum (wrk's connections pause between requests)
        log("hello latency at half load")
        half: dict[str, tuple[float, Run]] = {}
        for t in targets(SCENARIOS[0]):
            rate = results[("hello", t.server)].rps / 2
            pause_ms = max(1, round(args.connections / rate * 1000))
            # warm up as before each throughput run: the hello isolates may have gone idle for longer than the
            # node's --idle-timeout-s while the other scenarios ran, and this measures the steady state
            wrk(wrk_bin, t, 1, args.connections)
            half[t.server] = (rate, wrk(wrk_bin, t, args.seconds, args.connections, "delay.lua", [str(pause_ms)]))
        extra["half"] = half

        # ---- where the Python time goes: py-spy on the front process and both hosts during an extra hello run
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        if os.path.exists(spy):
            log("py-spy profile of a hello run")
            extra["profile"] = pyspy_profile(spy, wrk_bin, ew, args.connections, args.seconds)

        # ---- isolate starts: from a warm spare (default node) and from nothing (a node with no spares)
        log("isolate start times")
        hello = scripts["hello"]

        def timed_get(node: NodeProcess, name: str) -> float:
            t0 = time.perf_counter()
            client.get(node.data_url + "/", headers={"host": f"{name}.localhost"}).raise_for_status()
            return (time.perf_counter() - t0) * 1000

        def first_requests(node: NodeProcess, prefix: str, pause: float) -> dict[str, object]:
            first, second, warm = [], [], []
            for i in range(args.starts):
                time.sleep(pause)  # lets the node refill its warm spares
                name = f"{prefix}{i}"
                deploy(client, node, name, f"// {name}\n{hello}")
                first.append(timed_get(node, name))  # sent as soon as deploy answered
                second.append(timed_get(node, name))  # back to back
                time.sleep(0.05)
                warm.append(timed_get(node, name))  # the isolate is surely idle again
            text = httpx.get(f"{node.admin_url}/metrics", timeout=10).text
            created = [
                float(line.rsplit(" ", 1)[1])
                for line in text.splitlines()
                if line.startswith("edgeworker_isolates_created_total{") and f'worker="{prefix}' in line
            ]
            return {"first": first, "second": second, "warm": warm, "extra": sum(1 for c in created if c > 1)}

        extra["spare"] = first_requests(ew, "spare", 0.5)
        cold = NodeProcess(tmp / "cold", "--warm-spares", "0").start()
        nodes.append(cold)
        first_requests(cold, "warmup", 0.0)  # the same number of throwaway starts first, as the default node had
        extra["nothing"] = first_requests(cold, "cold", 0.2)
        cold.stop()

        # ---- memory and 1,000 workers (a node of its own, so the counts start from its spares only)
        log(f"{args.workers} distinct workers")
        many = NodeProcess(tmp / "many", "--max-isolates", str(args.workers + 100), "--idle-timeout-s", "3600").start()
        nodes.append(many)
        assert many.proc is not None
        time.sleep(1.0)
        fronts, hosts = node_processes(many.proc.pid)
        base_hosts = sum(rss_kb(p) for p in hosts)
        base_front = sum(rss_kb(p) for p in fronts)
        names = [f"w{i}" for i in range(args.workers)]
        pool = concurrent.futures.ThreadPoolExecutor(4)

        def deploy_one(name: str) -> None:
            deploy(client, many, name, f"// {name}\n{hello}")

        def warm_one(name: str) -> None:
            client.get(many.data_url + "/", headers={"host": f"{name}.localhost"}).raise_for_status()

        t0 = time.perf_counter()
        list(pool.map(deploy_one, names))
        extra["deploy_s"] = time.perf_counter() - t0
        sample = min(100, args.workers)
        list(pool.map(warm_one, names[:sample]))
        time.sleep(1.0)
        extra["per_isolate_100"] = (sum(rss_kb(p) for p in hosts) - base_hosts) / sample / 1024
        extra["sample"] = sample
        t0 = time.perf_counter()
        list(pool.map(warm_one, names[sample:]))
        extra["warm_s"] = time.perf_counter() - t0
        time.sleep(1.0)
        fronts_now, hosts_now = node_processes(many.proc.pid)
        extra["hosts_same"] = sorted(hosts_now) == sorted(hosts)
        all_hosts = sum(rss_kb(p) for p in hosts_now)
        extra["per_isolate_all"] = (all_hosts - base_hosts) / args.workers / 1024
        extra["total_rss_mb"] = (all_hosts + sum(rss_kb(p) for p in fronts_now)) / 1024
        extra["base_rss_mb"] = (base_hosts + base_front) / 1024
        created0 = metric_sum(many, "edgeworker_isolates_created_total")
        target = Target("edgeworker", many.data_url + "/", "w0.localhost")
        wrk(wrk_bin, target, 1, args.connections, "rotate.lua", [str(args.workers), "w"])
        for rnd in range(args.rounds):
            log(f"round-robin over {args.workers} workers: round {rnd + 1}/{args.rounds}")
            results.setdefault(("many", "edgeworker"), Row()).runs.append(
                wrk(wrk_bin, target, args.seconds, args.connections, "rotate.lua", [str(args.workers), "w"])
            )
        extra["created_during"] = metric_sum(many, "edgeworker_isolates_created_total") - created0
        extra["total_rss_after_mb"] = node_rss_mb(many.proc.pid)
        # then idle: each host trims its isolates' heaps once they have been idle 10 s (isolates/host.py); wait
        # until the total stops falling (at most 90 s)
        log("waiting for idle isolates to be trimmed")
        t0 = time.perf_counter()
        settled = extra["total_rss_after_mb"]
        while time.perf_counter() - t0 < 90:
            time.sleep(5)
            now_mb = node_rss_mb(many.proc.pid)
            if time.perf_counter() - t0 > 15 and now_mb > settled * 0.99:
                settled = min(settled, now_mb)
                break
            settled = min(settled, now_mb)
        extra["total_rss_idle_mb"] = settled
        extra["idle_wait_s"] = time.perf_counter() - t0
    finally:
        client.close()
        for node in nodes:
            node.stop()
        for p in procs:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)

    # ---- report
    from importlib.metadata import version  # noqa: PLC0415

    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    load_after = os.getloadavg()
    c, sec = args.connections, args.seconds
    print(f"\n## edgeworker vs workerd vs Starlette ({time.strftime('%Y-%m-%d %H:%M')})\n")
    print(
        f"- machine: {os.cpu_count()} vCPUs ({cpu}), {platform.system()} {platform.release()}; load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after (other jobs share this machine: compare same-run "
        "ratios, not absolute numbers)"
    )
    print(
        f"- {workerd_version} (npm `workerd` pinned in bench/package.json); Python {platform.python_version()}, "
        f"mini-racer {version('mini-racer')}; edgeworker {_build()}"
    )
    print(
        f"- `wrk -t2 -c{c} -d{sec}s --latency`, {args.rounds} round(s), servers alternating within each round "
        "after a 1 s warm-up each; medians over rounds. edgeworker: `edgeworker serve` with default settings "
        f"(`--isolate-hosts 2`; `--processes auto`, which is {auto_processes(available_cpus())} front process(es) "
        f"on {available_cpus()} cores), with `--isolate-hosts 1`, and with `--processes {other_fronts}`; each round in "
        "another order; Starlette: one uvicorn process "
        "(uvloop, httptools, no access log); workerd: "
        "`workerd serve`, one service and socket per scenario"
    )
    print(f"- command: `python bench/run.py {' '.join(sys.argv[1:])}`, {time.monotonic() - began:.0f} s in all\n")
    print("| scenario | server | req/s | p50 ms | p99 ms | errors | req/s per round | edgeworker / this |")
    print("|---|---|---:|---:|---:|---:|---|---:|")
    for s in [*SCENARIOS, Scenario("many", f"{args.workers:,} workers round-robin", None)]:
        ew_row = results[(s.key, "edgeworker")]
        for (key, server), row in results.items():
            if key != s.key:
                continue
            ratio = "" if server == "edgeworker" else (f"{ew_row.rps / row.rps:.2f}" if row.rps else "—")
            print(f"| {s.title} | {server} | {row.line()} | {ratio} |")
    hello_ew = results[("hello", "edgeworker")].rps
    async_ratio = results[("hello-async", "edgeworker")].rps / results[("hello-async", "workerd")].rps
    print()
    print(
        f"- same-run ratios, hello JSON: edgeworker / workerd **{hello_ew / results[('hello', 'workerd')].rps:.2f}**, "
        f"edgeworker / Starlette **{hello_ew / results[('hello', 'starlette')].rps:.2f}**; "
        f"`--isolate-hosts 1` / default {results[('hello', 'edgeworker --isolate-hosts 1')].rps / hello_ew:.2f}; "
        f"`--processes {other_fronts}` / default {results[('hello', other)].rps / hello_ew:.2f}; "
        f"async hello: edgeworker / workerd **{async_ratio:.2f}**"
    )
    print(
        f"- {args.workers:,} workers round-robin (edgeworker only: workerd would need one service per worker "
        f"in its config): {results[('many', 'edgeworker')].rps / hello_ew:.2f} of the single-worker hello rate; "
        f"{extra['created_during']:.0f} isolates created during those runs (cache misses or a second isolate for "
        f"a worker); node started with `--max-isolates {args.workers + 100} --idle-timeout-s 3600`"
    )
    print('- SHA-256: the worker runs with `limits: {"cpu_ms": 5000}` on edgeworker; no Starlette row (hashlib is C)')
    print(
        "- one outbound fetch(): the worker fetches the Starlette baseline's hello JSON (on loopback, allowed on "
        "edgeworker with `--allow-egress 127.0.0.1`, on workerd with an `internet` network service that allows "
        "`local`) and passes it on; the upstream is the same process for both, so its own cost is in both rows"
    )
    print("- not measured: KV get (no KV yet)\n")

    print("### Hello JSON at half of each server's maximum throughput\n")
    print("| server | offered (half of its max) | served req/s | p50 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    for server, (rate, run) in extra["half"].items():
        print(f"| {server} | {rate:,.0f} | {run.rps:,.0f} | {run.p50:.2f} | {run.p99:.2f} | {run.errors} |")
    print(
        f"\n- `wrk -t2 -c{args.connections} --latency -s bench/delay.lua`: each connection pauses after each response "
        "for whole milliseconds chosen to offer about half the maximum measured above, so the rate is approximate\n"
    )

    print("### One client, one request at a time (p50 / p99 ms; httpx, one keep-alive connection)\n")
    servers = list(dict.fromkeys(server for (_, server) in serial))
    print("| scenario | " + " | ".join(servers) + " |")
    print("|---|" + "---:|" * len(servers))
    for s in SCENARIOS:
        cells = []
        for server in servers:
            v = serial.get((s.key, server))
            cells.append(f"{statistics.median(v):.2f} / {pct(v, 0.99):.2f}" if v else "—")
        print(f"| {s.title} | " + " | ".join(cells) + " |")
    print()

    print("### Isolate start and memory\n")
    print("| measure | p50 | p99 | max | n |")
    print("|---|---:|---:|---:|---:|")
    for key, label in (("spare", "a warm spare (default node)"), ("nothing", "nothing (node with no spares)")):
        m = extra[key]
        for series, what in (
            ("first", f"deploy answered → first response, isolate from {label}"),
            ("second", "… the second request, back to back"),
            ("warm", "… a third request 50 ms later (warm isolate)"),
        ):
            v = m[series]  # type: ignore[index]
            print(f"| {what} | {statistics.median(v):.1f} ms | {pct(v, 0.99):.1f} ms | {max(v):.1f} ms | {len(v)} |")
    print()
    for key, label in (("spare", "default node"), ("nothing", "node with no spares")):
        print(
            f"- {label}: {extra[key]['extra']} of {args.starts} workers got a second isolate "  # type: ignore[index]
            "(the back-to-back second request found the first isolate not yet released)"
        )
    print(
        "- first response: one client, the GET sent as soon as `PUT /api/workers/NAME` answered, timed to the "
        "end of the response; its excess over the warm third request is the isolate start (loading the script into "
        "a spare, or creating an isolate, loading the runtime and then the script). The warm-spare case waits "
        "0.5 s between workers so the 2 spares are refilled; the from-nothing case runs on a node started with "
        "`--warm-spares 0`"
    )
    print(
        f"- RSS per warm idle isolate (hello worker, runtime loaded): {extra['per_isolate_100']:.2f} MB over the "
        f"first {extra['sample']} workers, {extra['per_isolate_all']:.2f} MB over all {args.workers:,} "
        "(growth of the isolate hosts' RSS / workers)"
        + ("" if extra["hosts_same"] else " — an isolate host was replaced meanwhile, figure unreliable")
    )
    print(
        f"- total RSS with {args.workers:,} workers warm (front processes + isolate hosts): "
        f"{extra['total_rss_mb']:,.0f} MB ({extra['base_rss_mb']:,.0f} MB before any worker); "
        f"{extra['total_rss_after_mb']:,.0f} MB just after the round-robin runs, {extra['total_rss_idle_mb']:,.0f} MB "
        f"once idle isolates were trimmed ({extra['idle_wait_s']:.0f} s later)"
    )
    print(
        f"- deploying {args.workers:,} workers (4 clients): {extra['deploy_s']:.1f} s; first requests to the last "
        f"{args.workers - extra['sample']:,} of them (4 clients): {extra['warm_s']:.1f} s\n"
    )

    print("### CPU per request, hello JSON, default node\n")
    print("| where | µs CPU / request | share |")
    print("|---|---:|---:|")
    total = sum(cpu_split.values())
    for part, ns in cpu_split.items():
        print(f"| {part} | {ns / profiled_requests / 1000:.0f} | {ns / total:.0%} |")
    print(f"| total | {total / profiled_requests / 1000:.0f} | |")
    print(
        "\n- from the kernel's per-thread CPU accounting (/proc/PID/task/TID/schedstat) of the node and its isolate "
        "hosts, read before and after each measured hello run, summed over the rounds and divided by the requests wrk "
        "completed in them. "
        "In a host, the main thread is Python; the other threads are the isolates' V8 threads (one per mini-racer "
        "context; V8 runs single-threaded), so their CPU is JS plus V8's side of each call and its thread wake-ups."
    )
    profile = extra.get("profile")
    if profile:
        print("\n| py-spy, Python samples by innermost frame | front process | isolate hosts |")
        print("|---|---:|---:|")
        names = sorted(
            {b for r in profile.values() for b in r}, key=lambda b: -sum(r.get(b, 0) for r in profile.values())
        )
        totals = {role: sum(r.values()) or 1 for role, r in profile.items()}
        for b in names:
            cells = [
                f"{profile.get(role, {}).get(b, 0) / totals.get(role, 1):.0%}"
                for role in ("front process", "isolate hosts")
            ]
            print(f"| {b} | {cells[0]} | {cells[1]} |")
        print(
            "| samples | "
            + " | ".join(str(sum(profile.get(r, {}).values())) for r in ("front process", "isolate hosts"))
            + " |"
        )
        print(
            "\n- py-spy record --format raw --nonblocking -r 100 on the front process and each host during an extra, "
            "uncounted hello run; idle samples excluded (py-spy's default), each sample counted under the module of "
            "its innermost Python frame (self time). Time inside native code called from Python (mini-racer's C "
            "calls, socket syscalls) counts under the Python frame that called it."
        )


if __name__ == "__main__":
    main()
