"""Runs every named export of every tests/js/*-test.js inside an isolate, through engine.py.

Each test file is loaded as a module worker whose `default.fetch` runs the export named by the
request path and answers 200 "ok" or 500 with the error; a throw or rejection fails the test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from edgeworker.isolates.engine import HttpRequest, JsIsolate, compile_worker
from edgeworker.limits.outcome import Outcome

HERE = Path(__file__).parent
EXPORT = re.compile(r"^export (?:async )?function (\w+)", re.MULTILINE)

HARNESS = """
export default {
  async fetch(request, env, ctx) {
    const name = new URL(request.url).pathname.slice(1);
    const test = __tests[name];
    if (typeof test !== "function") throw new Error("no such test: " + name);
    await test({ request, env, ctx });
    return new Response("ok");
  },
};
const __tests = { %s };
"""


def _cases() -> list[tuple[str, str]]:
    cases = []
    for path in sorted(HERE.glob("*-test.js")):
        for name in EXPORT.findall(path.read_text(encoding="utf-8")):
            cases.append((path.name, name))
    return cases


@pytest.mark.parametrize(("file", "name"), _cases(), ids=[f"{f}::{n}" for f, n in _cases()])
async def test_js(file: str, name: str) -> None:
    source = (HERE / file).read_text(encoding="utf-8")
    names = EXPORT.findall(source)
    compiled = await compile_worker(source + HARNESS % ", ".join(names))
    isolate = await JsIsolate.create(memory_mb=128)
    try:
        await isolate.load_worker(compiled, {"vars": {"GREETING": "hello"}, "secrets": {"TOKEN": "s3cret"}})
        result = await isolate.fetch(
            HttpRequest("POST", f"https://tests.example/{name}", [("x-test", file)], b"request body", "t"),
            wall_ms=5000,
        )
        if result.wait_until:
            await isolate.finish(wall_ms=5000)
        logs = "\n".join(f"[{line.level}] {line.message}" for line in result.logs)
        assert result.error is None, f"{result.error.name}: {result.error.message}\n{result.error.stack}\n{logs}"
        assert result.outcome is Outcome.OK, f"{result.outcome}\n{logs}"
        assert result.body == b"ok"
    finally:
        isolate.close()
