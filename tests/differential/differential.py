"""Differential conformance: the same corpus of workers answered by edgeworker and by workerd.

Every file `corpus/<suite>/<case>.js` is an ES module worker that probes one behaviour and answers
`Response.json(observations)`. `corpus/_prelude.js` (small helpers: `t()` turns a value or a thrown error
into an observation, `hex()`, ...) is prepended to each case for both runtimes. A case may start with a line
`// request: {"method": "POST", "headers": {...}, "body": "..."}` to be requested with something other than a
plain GET.

workerd comes from the npm package pinned in `package.json` (`npm ci` here when `node_modules/` is missing).
It runs from a generated config on loopback: one service per case, plus a router service (bound to every case)
that listens on a socket Python opened and passes as a file descriptor (no port race), and forwards each
request to the case named in its `x-differential-case` header. edgeworker runs as a real node
(`tests.utils.NodeProcess`) with every case deployed under its own name and reached by its host label.

The answer compared is normalised: the status, the `content-type` header and the JSON body (or, when the
body is not JSON, the text of a 2xx/4xx answer and nothing for a 5xx one: the error pages differ by design).
`expected-differences.json` lists, by case id (`<suite>/<case>`), each intended difference with its reason.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.utils import NodeProcess

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
PRELUDE = CORPUS / "_prelude.js"
EXPECTED = HERE / "expected-differences.json"
COMPATIBILITY_DATE = "2025-09-01"
CASE_HEADER = "x-differential-case"
PARALLEL = 8
# CPU time is not what the corpus compares (workerd has no CPU limit), so edgeworker gets room enough for a loaded
# machine; the wall limit bounds a case that never answers.
LIMITS = {"cpu_ms": 2000, "wall_ms": 5000}
REQUEST_TIMEOUT_S = 10.0

_REQUEST_LINE = re.compile(r"^// request: (\{.*\})\s*$", re.MULTILINE)


class WorkerdUnavailable(RuntimeError):
    """workerd could not be installed (no npm, or `npm ci` failed)."""


@dataclass(frozen=True)
class Case:
    suite: str
    name: str
    source: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None

    @property
    def id(self) -> str:
        return f"{self.suite}/{self.name}"

    @property
    def worker(self) -> str:
        """A valid edgeworker worker name (and workerd service name) for this case."""
        slug = re.sub(r"[^a-z0-9]+", "-", f"{self.suite}-{self.name}".lower()).strip("-")
        return slug[:63].rstrip("-")


def load_corpus(suites: list[str] | None = None) -> list[Case]:
    prelude = PRELUDE.read_text(encoding="utf-8")
    cases = []
    for path in sorted(CORPUS.glob("*/*.js")):
        suite = path.parent.name
        if suites and suite not in suites:
            continue
        text = path.read_text(encoding="utf-8")
        match = _REQUEST_LINE.search(text)
        spec: dict[str, Any] = json.loads(match.group(1)) if match else {}
        cases.append(
            Case(
                suite=suite,
                name=path.stem,
                source=prelude + "\n" + text,
                method=spec.get("method", "GET"),
                headers=dict(spec.get("headers", {})),
                body=spec.get("body"),
            )
        )
    workers = [c.worker for c in cases]
    duplicates = {w for w in workers if workers.count(w) > 1}
    if duplicates:
        raise ValueError(f"corpus cases map to the same worker name: {sorted(duplicates)}")
    return cases


def load_expected() -> dict[str, str]:
    data = json.loads(EXPECTED.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


# --- workerd -------------------------------------------------------------------------------------------


def _platform_package() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "64", "amd64": "64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    system = {"Linux": "linux", "Darwin": "darwin", "Windows": "windows"}.get(platform.system(), "")
    return f"workerd-{system}-{arch}"


def ensure_workerd() -> Path:
    """The workerd binary, installed with `npm ci` from the lock file first if `node_modules` is missing."""
    modules = HERE / "node_modules"
    if not (modules / "workerd").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            raise WorkerdUnavailable("npm is not on PATH")
        proc = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, capture_output=True, text=True, timeout=300
        )
        if proc.returncode != 0:
            raise WorkerdUnavailable(f"npm ci failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    binary = modules / "@cloudflare" / _platform_package() / "bin" / "workerd"
    if binary.is_file():
        return binary
    wrapper = modules / ".bin" / "workerd"
    if wrapper.exists():
        return wrapper
    raise WorkerdUnavailable(f"no workerd binary under {modules} for this platform ({_platform_package()})")


def workerd_version(binary: Path | None = None) -> str:
    out = subprocess.run([str(binary or ensure_workerd()), "--version"], capture_output=True, text=True, timeout=30)
    package = json.loads((HERE / "node_modules" / "workerd" / "package.json").read_text())["version"]
    return f"{out.stdout.strip()} (npm workerd {package})"


def _capnp_string(text: str) -> str:
    return json.dumps(text)


def workerd_config(cases: list[Case], directory: Path) -> str:
    """Write each case (and the router) into `directory`; return the capnp text of the config."""
    (directory / "cases").mkdir(parents=True, exist_ok=True)
    router = (
        "export default { fetch(request, env) {\n"
        f"  const target = env[request.headers.get({_capnp_string(CASE_HEADER)})];\n"
        '  return target ? target.fetch(request) : new Response("no such case", { status: 404 });\n'
        "} };\n"
    )
    (directory / "router.js").write_text(router, encoding="utf-8")
    services = []
    bindings = []
    for case in cases:
        (directory / "cases" / f"{case.worker}.js").write_text(case.source, encoding="utf-8")
        name = _capnp_string(case.worker)
        bindings.append(f"(name = {name}, service = {name})")
        services.append(
            f'    (name = {name}, worker = (modules = [(name = "worker.js", '
            f"esModule = embed {_capnp_string('cases/' + case.worker + '.js')})], "
            f"compatibilityDate = {_capnp_string(COMPATIBILITY_DATE)})),"
        )
    return (
        'using Workerd = import "/workerd/workerd.capnp";\n\n'
        "const config :Workerd.Config = (\n"
        "  services = [\n"
        '    (name = "router", worker = (modules = [(name = "router.js", esModule = embed "router.js")],\n'
        f"      compatibilityDate = {_capnp_string(COMPATIBILITY_DATE)},\n"
        f"      bindings = [{', '.join(bindings)}])),\n" + "\n".join(services) + "\n  ],\n"
        '  sockets = [(name = "http", http = (), service = "router")],\n'
        ");\n"
    )


@dataclass
class Workerd:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path


@asynccontextmanager
async def run_workerd(cases: list[Case], directory: Path, timeout: float = 30.0) -> AsyncIterator[Workerd]:
    binary = ensure_workerd()
    (directory / "config.capnp").write_text(workerd_config(cases, directory), encoding="utf-8")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(256)
    port = listener.getsockname()[1]
    log = directory / "workerd.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(binary), "serve", "config.capnp", "--socket-fd", f"http={listener.fileno()}"],
            cwd=directory,
            stdout=out,
            stderr=subprocess.STDOUT,
            pass_fds=[listener.fileno()],
            env={**os.environ},
        )
    listener.close()
    server = Workerd(proc, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=server.url, timeout=5) as client:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"workerd exited ({proc.returncode}):\n{log.read_text(errors='replace')}")
                try:
                    await client.get("/", headers={CASE_HEADER: "-"})
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("workerd did not answer:\n" + log.read_text(errors="replace")) from None
                    await asyncio.sleep(0.1)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- comparison ----------------------------------------------------------------------------------------


def normalise(response: httpx.Response) -> dict[str, Any]:
    answer: dict[str, Any] = {"status": response.status_code}
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        answer["content-type"] = content_type
        try:
            answer["body"] = response.json()
        except ValueError:
            answer["body"] = {"not JSON": response.text}
    elif response.status_code >= 500:
        answer["body"] = "<error page>"
    else:
        answer["content-type"] = content_type
        answer["body"] = response.text
    return answer


@dataclass
class Outcome:
    case: Case
    workerd: dict[str, Any]
    edgeworker: dict[str, Any]
    raw: tuple[str, str] = ("", "")

    @property
    def equal(self) -> bool:
        return self.workerd == self.edgeworker


async def _ask(client: httpx.AsyncClient, case: Case, headers: dict[str, str]) -> tuple[dict[str, Any], str]:
    try:
        response = await client.request(
            case.method, "/probe?q=1", headers={**case.headers, **headers}, content=case.body
        )
    except httpx.HTTPError as exc:
        return {"transport error": type(exc).__name__}, str(exc)
    return normalise(response), response.text


async def run_corpus(cases: list[Case], workdir: Path | None = None) -> dict[str, Outcome]:
    """Answer every case on both runtimes; returns the outcomes by case id."""
    with tempfile.TemporaryDirectory(prefix="differential-") as tmp:
        base = workdir or Path(tmp)
        node = NodeProcess(base / "node")
        (base / "node").mkdir(parents=True, exist_ok=True)
        async with run_workerd(cases, base / "workerd") as workerd:
            await asyncio.to_thread(node.start)
            try:
                gate = asyncio.Semaphore(PARALLEL)

                async def deploy(case: Case) -> None:
                    async with gate:
                        answer = await node.deploy(case.worker, case.source, limits=LIMITS)
                    if answer.status_code != 200:
                        raise RuntimeError(f"edgeworker refused {case.id}: {answer.status_code} {answer.text}")

                await asyncio.gather(*(deploy(c) for c in cases))
                limits = httpx.Limits(max_connections=PARALLEL)
                async with (
                    httpx.AsyncClient(base_url=workerd.url, timeout=REQUEST_TIMEOUT_S, limits=limits) as wd,
                    httpx.AsyncClient(base_url=node.data_url, timeout=REQUEST_TIMEOUT_S, limits=limits) as ew,
                ):

                    async def ask_workerd(case: Case) -> tuple[dict[str, Any], str]:
                        async with gate:
                            return await _ask(wd, case, {"host": f"{case.worker}.localhost", CASE_HEADER: case.worker})

                    async def ask_edgeworker(case: Case) -> tuple[dict[str, Any], str]:
                        async with gate:
                            return await _ask(ew, case, {"host": f"{case.worker}.localhost"})

                    from_workerd = await asyncio.gather(*(ask_workerd(c) for c in cases))
                    from_edgeworker = await asyncio.gather(*(ask_edgeworker(c) for c in cases))
                    outcomes = [
                        Outcome(case, a, b, (raw_a, raw_b))
                        for case, (a, raw_a), (b, raw_b) in zip(cases, from_workerd, from_edgeworker, strict=True)
                    ]
            finally:
                node.stop()
        return {o.case.id: o for o in outcomes}


def describe(outcome: Outcome) -> str:
    """A short account of how the two answers differ."""
    a, b = outcome.workerd, outcome.edgeworker
    lines = []
    for key in sorted(set(a) | set(b)):
        if a.get(key) == b.get(key):
            continue
        if key == "body" and isinstance(a.get(key), dict) and isinstance(b.get(key), dict):
            for k in sorted(set(a[key]) | set(b[key])):
                if a[key].get(k, "<absent>") != b[key].get(k, "<absent>"):
                    lines.append(f"  body.{k}: workerd={json.dumps(a[key].get(k, '<absent>'))}")
                    lines.append(f"  {' ' * (len(k) + 5)} edgeworker={json.dumps(b[key].get(k, '<absent>'))}")
        else:
            lines.append(f"  {key}: workerd={json.dumps(a.get(key))} edgeworker={json.dumps(b.get(key))}")
    for who, answer, raw in (("workerd", a, outcome.raw[0]), ("edgeworker", b, outcome.raw[1])):
        if answer.get("body") == "<error page>":
            lines.append(f"  {who} error page: {raw[:300]!r}")
    return "\n".join(lines)


def suites_table(outcomes: dict[str, Outcome]) -> list[tuple[str, int, int]]:
    by_suite: dict[str, list[bool]] = {}
    for outcome in outcomes.values():
        by_suite.setdefault(outcome.case.suite, []).append(outcome.equal)
    return [(suite, sum(flags), len(flags)) for suite, flags in sorted(by_suite.items())]


KINDS = (
    "edgeworker bug",
    "edgeworker bug (intermittent)",
    "not implemented",
    "workerd deviates",
    "intended",
    "both valid",
)
# a case listed with this kind may answer either way from one run to the next; the test accepts both
INTERMITTENT = "edgeworker bug (intermittent)"


def kind(reason: str) -> str:
    """The kind a reason in expected-differences.json starts with ("" when it names none)."""
    return next((k for k in KINDS if reason.startswith(k + ":")), "")
