"""isolates/_v8.py: V8 contexts through mini-racer's C functions, and the self-test that guards them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from edgeworker.isolates import _v8
from edgeworker.isolates.engine import init_v8

init_v8()


async def test_values_errors_and_termination() -> None:
    ctx = _v8.V8Context()
    try:
        assert await ctx.start("JSON.stringify({a: 'é\\u2028'})") == '{"a":"é\u2028"}'
        assert await ctx.start("2 ** 40") == 2**40
        with pytest.raises(_v8.JSEvalException, match="RangeError: nope"):
            await ctx.start("throw new RangeError('nope')")
        buffer = await ctx.start("globalThis.sab = new SharedArrayBuffer(8); new Uint8Array(sab).set([1, 2]); sab")
        assert isinstance(buffer, _v8.SharedBuffer) and buffer.size == 8
        assert buffer.read(3) == b"\x01\x02\x00"
        buffer.write(b"\x07")
        assert await ctx.start("new Uint8Array(sab)[0]") == 7
        running = ctx.start("for (;;) {}")
        await asyncio.sleep(0.01)
        assert not ctx.thread_idle()  # the loop runs on the isolate's thread
        ctx.terminate()
        with pytest.raises(_v8.JSEvalException):
            await asyncio.wait_for(running, 5)
    finally:
        ctx.close()
        ctx.free()


async def test_thread_idle_only_once_microtasks_are_done() -> None:
    ctx = _v8.V8Context()
    try:
        # the call answers first; its microtasks run after, on the same thread
        busy = "Promise.resolve().then(() => { const e = Date.now() + 30; while (Date.now() < e); }); 1"
        assert await ctx.start(busy)
        assert not ctx.thread_idle()
        await asyncio.sleep(0.1)
        assert ctx.thread_idle()
    finally:
        ctx.close()
        ctx.free()


async def test_self_test_passes_on_this_build_and_catches_a_wrong_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    await _v8.self_test()
    real = _v8._value
    monkeypatch.setattr(_v8, "_value", lambda raw: "changed" if raw.type == 5 else real(raw))
    with pytest.raises(RuntimeError, match="mini-racer answered 'changed'"):
        await _v8.self_test()


def test_a_node_whose_v8_binding_fails_its_check_does_not_start(tmp_path: Path) -> None:
    # A mini-racer build that answers differently from the one pinned: every process of this node imports a
    # sitecustomize that changes how values come back (only isolate hosts ever call into V8).
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(
        "import edgeworker.isolates._v8 as v8\n"
        "real = v8._value\n"
        "v8._value = lambda raw: 'another build' if raw.type == 5 else real(raw)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), *sys.path])}
    cmd = [sys.executable, "-m", "edgeworker.server.cli", "serve", "--port", "0", "--admin-port", "0"]
    done = subprocess.run([*cmd, "--data", str(tmp_path / "data")], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "the V8 binding failed its start-up check" in done.stderr
    assert "edgeworker: error: no isolate host could start" in done.stderr
    assert "Traceback" not in done.stderr
