"""The runtime never generates code from strings: everything works with V8's
`--disallow-code-generation-from-strings`, as on Workers (eval and new Function throw EvalError)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CHECK = r"""
import asyncio, tests.js.v8_no_codegen
from edgeworker.isolates.engine import HttpRequest, JsIsolate, compile_worker

WORKER = '''
export default { async fetch() {
  const out = [];
  for (const f of [() => eval("1"), () => new Function("return 1"), () => setTimeout("1", 0)]) {
    try { f(); out.push("no error"); } catch (e) { out.push(e.name); }
  }
  out.push(new URL("https://faß.ExAmple/").host, new URL("http://xn--nxasmq6b.com").host);
  out.push(new URLPattern({ pathname: "/b/:id" }).exec("https://x/b/7").pathname.groups.id);
  for (const name of Object.getOwnPropertyNames(globalThis)) void globalThis[name];
  return new Response(out.join(" "));
} };
'''

async def main():
    iso = await JsIsolate.create(memory_mb=128)
    await iso.load_worker(await compile_worker(WORKER), {})
    r = await iso.fetch(HttpRequest("GET", "https://t/", [], b"", "x"), wall_ms=5000)
    print(r.error or r.body.decode())
    iso.close()

asyncio.run(main())
"""


def test_eval_is_disallowed_and_the_runtime_still_works() -> None:
    out = subprocess.run([sys.executable, "-c", CHECK], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["EvalError", "EvalError", "TypeError", "xn--fa-hia.example", "xn--nxasmq6b.com", "7"]


def test_js_and_wpt_suites_pass_without_code_generation() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.js.v8_no_codegen", "tests/js/test_js.py", "tests/wpt"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
