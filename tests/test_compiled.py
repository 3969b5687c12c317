"""An installed node runs the modules on every request's path as mypyc compiled them (setup.py): a build that
quietly fell back to the Python sources would serve hello about a seventh slower, and nothing else would say so."""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def _setup_compiled() -> list[str]:
    """setup.py's COMPILED, read without running setup.py."""
    text = (REPO / "setup.py").read_text()
    start = text.index("[", text.index("COMPILED = ["))
    compiled = ast.literal_eval(text[start : text.index("]", start) + 1])
    assert isinstance(compiled, list)
    return [str(p) for p in compiled]


def _installed_from_sources() -> bool:
    """An editable install: the package is the repository's own folders, which are never compiled (an install
    into a .venv inside the repository is not one)."""
    import edgeworker.server

    return Path(edgeworker.server.__path__[0]).resolve() == (REPO / "server").resolve()


@pytest.mark.skipif(_installed_from_sources(), reason="an editable install runs the Python sources")
@pytest.mark.skipif(os.environ.get("EDGEWORKER_PURE_PYTHON", "") not in ("", "0"), reason="installed as Python")
def test_the_installed_hot_path_is_compiled() -> None:
    modules = ["edgeworker." + p.removesuffix(".py").replace("/", ".") for p in _setup_compiled()]
    assert "edgeworker.server.protocol" in modules and "edgeworker.isolates.pool" in modules
    not_compiled = [m for m in modules if not str(importlib.import_module(m).__file__).endswith(".so")]
    assert not not_compiled, f"installed as Python, not compiled: {not_compiled}"


def test_an_isolate_host_starts_from_a_compiled_module() -> None:
    """The pool starts hosts with HOST_COMMAND, which works whether or not the host module was compiled (``-m``
    does not run a compiled module)."""
    from edgeworker.isolates.pool import HOST_COMMAND

    result = subprocess.run([sys.executable, *HOST_COMMAND, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "--fd" in result.stdout
