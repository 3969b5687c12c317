"""Helpers to run a real node: ``edgeworker serve`` in a subprocess on free ports, driven over HTTP."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

_LISTEN = re.compile(r"(data plane|admin API) on (http://\S+)")


class NodeProcess:
    """A node started as a user starts it: ``python -m edgeworker.server.cli serve ...``."""

    def __init__(self, data_dir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.args = list(args)
        # by default the node makes its own token in the data dir, as on a first start
        self.env = {k: v for k, v in os.environ.items() if k != "EDGEWORKER_ADMIN_TOKEN"}
        self.env.update(env or {})
        self.proc: subprocess.Popen[str] | None = None
        self.data_url = ""
        self.admin_url = ""
        self.lines: list[str] = []
        self._ready = threading.Event()

    def start(self, timeout: float = 60.0) -> NodeProcess:
        cmd = [
            sys.executable, "-m", "edgeworker.server.cli", "serve",
            "--port", "0", "--admin-port", "0", "--data", str(self.data_dir), *self.args,
        ]  # fmt: skip
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=self.env)
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()
        if not self._ready.wait(timeout):
            self.stop()
            raise RuntimeError("node did not start:\n" + self.output)
        if self.proc.poll() is not None:
            raise RuntimeError("node exited at start:\n" + self.output)
        return self

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            match = _LISTEN.search(line)
            if match:
                if match.group(1) == "data plane":
                    self.data_url = match.group(2)
                else:
                    self.admin_url = match.group(2)
            if "edgeworker: ready" in line:
                self._ready.set()
        self._ready.set()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for_output(self, text: str, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output:
                return True
            time.sleep(0.05)
        return False

    @property
    def token(self) -> str:
        if "EDGEWORKER_ADMIN_TOKEN" in self.env:
            return self.env["EDGEWORKER_ADMIN_TOKEN"]
        return (self.data_dir / "admin-token").read_text().strip()

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}

    def admin(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.admin_url, headers=self.headers, timeout=30)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.data_url, timeout=30)

    async def get(self, host: str, path: str = "/", **kwargs: Any) -> httpx.Response:
        async with self.client() as client:
            return await client.get(path, headers={"host": host, **kwargs.pop("headers", {})}, **kwargs)

    async def deploy(self, name: str, script: str, **fields: Any) -> httpx.Response:
        async with self.admin() as admin:
            return await admin.put(f"/api/workers/{name}", json={"script": script, **fields})

    def signal(self, sig: int = signal.SIGTERM) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def stop(self, timeout: float = 30.0) -> int:
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._drainer.join(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return self.proc.returncode


REPO = Path(__file__).resolve().parent.parent
TEST_NPM = REPO / "tests" / "npm"  # npm packages the tests bundle into workers (jose, hono), from its lockfile
ESBUILD = REPO / "node_modules" / ".bin" / "esbuild"


def bundle_worker(entry: Path, out: Path) -> str:
    """Bundle a worker that imports npm packages (installed into tests/npm on first use) the way wrangler does:
    one ES module, for the Workers conditions. Returns the bundle's text."""
    import shutil

    npm = shutil.which("npm")
    assert npm is not None and ESBUILD.exists(), "npm and the repository's esbuild (built by the install) are needed"
    if not (TEST_NPM / "node_modules" / ".package-lock.json").exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=TEST_NPM, check=True, capture_output=True)
    env = {**os.environ, "NODE_PATH": str(TEST_NPM / "node_modules")}
    subprocess.run(
        [str(ESBUILD), str(entry), "--bundle", "--format=esm", "--platform=neutral", "--main-fields=module,main",
         "--conditions=worker,browser", f"--outfile={out}", "--log-level=warning"],
        check=True, env=env, capture_output=True,
    )  # fmt: skip
    return out.read_text()
