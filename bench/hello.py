"""Per-request overhead of a node, against plain Starlette in the same run; cold start; isolate memory.

    python bench/hello.py [--seconds 5] [--rounds 3] [--connections 32]

Starts an edgeworker node and a plain-Starlette baseline on free loopback ports, drives each with wrk in
alternation (installing wrk from Debian's packages if it is missing), and prints a table. Also measures the
first request to a freshly deployed worker and the RSS an idle warm isolate adds to its host.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.utils import NodeProcess  # noqa: E402

HELLO = 'export default { fetch() { return Response.json({ hello: "world" }); } }'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
        found = shutil.which("wrk")
    assert found, "wrk could not be installed"
    return found


def _ms(text: str) -> float:
    value = float(re.match(r"[\d.]+", text).group(0))  # type: ignore[union-attr]
    if text.endswith("us"):
        return value / 1000
    if text.endswith("ms"):
        return value
    return value * 1000


def wrk(binary: str, url: str, host: str, seconds: int, connections: int) -> tuple[float, float, float]:
    out = subprocess.run(
        [binary, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"Host: {host}", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    return rps, p50, p99


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        out.extend(int(c) for c in text)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    binary = ensure_wrk()
    data = Path(tempfile.mkdtemp(prefix="edgeworker-bench-"))
    node = NodeProcess(data).start()
    port = free_port()
    baseline = subprocess.Popen([sys.executable, str(REPO / "bench" / "baseline_app.py"), str(port)])
    try:
        httpx.put(
            f"{node.admin_url}/api/workers/hello", json={"script": HELLO}, headers=node.headers
        ).raise_for_status()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        results: dict[str, list[tuple[float, float, float]]] = {"edgeworker": [], "starlette": []}
        wrk(binary, node.data_url + "/", "hello.localhost", 1, args.connections)  # warm up
        for _ in range(args.rounds):
            results["edgeworker"].append(
                wrk(binary, node.data_url + "/", "hello.localhost", args.seconds, args.connections)
            )
            results["starlette"].append(
                wrk(binary, f"http://127.0.0.1:{port}/", "localhost", args.seconds, args.connections)
            )

        cold: list[float] = []
        with httpx.Client(timeout=30) as client:
            for i in range(20):
                client.put(
                    f"{node.admin_url}/api/workers/cold{i}", json={"script": HELLO}, headers=node.headers
                ).raise_for_status()
                started = time.perf_counter()
                client.get(node.data_url + "/", headers={"host": f"cold{i}.localhost"}).raise_for_status()
                cold.append((time.perf_counter() - started) * 1000)

            assert node.proc is not None
            hosts = children(node.proc.pid)
            time.sleep(1)
            before = sum(rss_kb(p) for p in hosts)
            count = 40
            for i in range(count):
                client.put(
                    f"{node.admin_url}/api/workers/mem{i}", json={"script": HELLO}, headers=node.headers
                ).raise_for_status()
                client.get(node.data_url + "/", headers={"host": f"mem{i}.localhost"}).raise_for_status()
            time.sleep(1)
            after = sum(rss_kb(p) for p in hosts)
    finally:
        node.stop()
        baseline.terminate()
        baseline.wait()
        shutil.rmtree(data, ignore_errors=True)

    print(
        f"\nmachine: {os.cpu_count()} CPUs; wrk -t2 -c{args.connections} -d{args.seconds}s, {args.rounds} rounds, "
        "alternating\n"
    )
    print("| server | req/s (median) | p50 ms | p99 ms |")
    print("|---|---|---|---|")
    medians = {}
    for name, rows in results.items():
        rps = statistics.median(r[0] for r in rows)
        medians[name] = rps
        print(
            f"| {name} | {rps:,.0f} | {statistics.median(r[1] for r in rows):.2f} | "
            f"{statistics.median(r[2] for r in rows):.2f} |"
        )
    print(f"\nedgeworker / starlette: {medians['edgeworker'] / medians['starlette']:.2f}")
    cold.sort()
    print(
        f"first request to a freshly deployed worker: p50 {statistics.median(cold):.1f} ms, "
        f"max {cold[-1]:.1f} ms (n={len(cold)})"
    )
    print(
        f"RSS per warm idle isolate (hosts' RSS growth over {count} workers): {(after - before) / count / 1024:.2f} MB"
    )


if __name__ == "__main__":
    main()
