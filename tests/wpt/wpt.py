"""Web-platform-tests URL suites run inside an isolate, against per-suite expectation files.

The WPT data files are read in place from `../shared/wpt/url/` (beside the repository; never copied in).
Each suite turns its data file into cases with stable names (the WPT test names), runs them in batches
through `harness.js` as a worker in a real isolate, and compares each outcome with
`expectations/<suite>.json`: a map from the name of every case expected to fail to the reason why.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgeworker.isolates.engine import HttpRequest, JsIsolate, compile_worker

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
WPT_DIR = Path(os.environ.get("EDGEWORKER_WPT_DIR", REPO.parent / "shared" / "wpt" / "url"))
EXPECTATIONS = HERE / "expectations"
BATCH = 400
UNEXPLAINED = "UNEXPLAINED: "

Case = tuple[str, dict[str, Any]]


def _load(name: str) -> list[Any]:
    return list(json.loads((WPT_DIR / name).read_text(encoding="utf-8")))


def _unique(cases: Iterator[Case]) -> list[Case]:
    seen: dict[str, int] = {}
    out = []
    for name, data in cases:
        seen[name] = seen.get(name, 0) + 1
        out.append((name if seen[name] == 1 else f"{name} [{seen[name]}]", data))
    return out


def _url_constructor() -> Iterator[Case]:
    for file in ("urltestdata.json", "urltestdata-javascript-only.json"):
        for c in _load(file):
            if isinstance(c, str):
                continue
            where = f"against <{c['base']}>" if c.get("base") is not None else "without base"
            yield f"Parsing: <{c['input']}> {where}", c


def _url_setters() -> Iterator[Case]:
    for attribute, cases in json.loads((WPT_DIR / "setters_tests.json").read_text(encoding="utf-8")).items():
        if attribute == "comment":
            continue
        for c in cases:
            name = f"Setting <{c['href']}>.{attribute} = '{c['new_value']}'"
            if "comment" in c:
                name += f" {c['comment']}"
            yield name, {**c, "attribute": attribute}


def _toascii() -> Iterator[Case]:
    for c in _load("toascii.json"):
        if isinstance(c, str):
            continue
        for via in ("url", "host", "hostname"):
            yield f"{c['input']} (using URL{'' if via == 'url' else '.' + via})", {**c, "via": via}


def _idna() -> Iterator[Case]:
    for c in _load("IdnaTestV2.json"):
        if isinstance(c, str) or c["input"] == "":  # "" cannot be tested through new URL() (as in WPT)
            continue
        yield f'ToASCII("{c["input"]}"){" " + c["comment"] if c.get("comment") else ""}', c


def _percent_encoding() -> Iterator[Case]:
    # Only UTF-8: the other columns need a document in that encoding, which a worker does not have.
    for c in _load("percent-encoding.json"):
        if isinstance(c, str):
            continue
        yield f"Input {c['input']} with encoding utf-8", {"input": c["input"], "output": c["output"]["utf-8"]}


def _urlpattern() -> Iterator[Case]:
    for c in _load("urlpatterntestdata.json"):
        pattern, inputs = (json.dumps(c.get(k), ensure_ascii=False) for k in ("pattern", "inputs"))
        yield f"Pattern: {pattern} Inputs: {inputs}", c


@dataclass(frozen=True)
class Suite:
    name: str
    cases: Callable[[], Iterator[Case]]
    target: float  # the pass rate this suite must reach (issue 4)


SUITES = [
    Suite("url-constructor", _url_constructor, 0.99),
    Suite("url-setters", _url_setters, 0.99),
    Suite("toascii", _toascii, 0.99),
    Suite("idna", _idna, 0.0),
    Suite("percent-encoding", _percent_encoding, 0.0),
    Suite("urlpattern", _urlpattern, 0.95),
]
SUITES_BY_NAME = {s.name: s for s in SUITES}


def cases(suite: Suite) -> list[Case]:
    return _unique(suite.cases())


async def run_suite(suite: Suite) -> dict[str, str | None]:
    """Runs every case; returns name → None (passed) or what differed."""
    all_cases = cases(suite)
    compiled = await compile_worker((HERE / "harness.js").read_text(encoding="utf-8"))
    isolate = await JsIsolate.create(memory_mb=256)
    try:
        await isolate.load_worker(compiled, {})
        results: dict[str, str | None] = {}
        for start in range(0, len(all_cases), BATCH):
            batch = all_cases[start : start + BATCH]
            body = json.dumps({"suite": suite.name, "cases": [data for _, data in batch]}).encode()
            result = await isolate.fetch(HttpRequest("POST", "https://wpt.test/", [], body, "wpt"), wall_ms=60_000)
            if result.error is not None or result.status != 200:
                raise RuntimeError(f"the harness failed: {result.error or result.status} {result.logs}")
            outcomes = json.loads(result.body.decode("utf-8"))
            for (name, _), outcome in zip(batch, outcomes, strict=True):
                results[name] = outcome
        return results
    finally:
        isolate.close()


def load_expectations(suite: Suite) -> dict[str, str]:
    path = EXPECTATIONS / f"{suite.name}.json"
    if not path.is_file():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8"))["expected_failures"])


def write_expectations(suite: Suite, results: dict[str, str | None]) -> None:
    """Keeps the reasons already written; a new failure gets UNEXPLAINED plus what differed, to be edited."""
    old = load_expectations(suite)
    failures = {
        name: old.get(name, UNEXPLAINED + str(outcome)) for name, outcome in results.items() if outcome is not None
    }
    document = {
        "suite": suite.name,
        "comment": "Cases expected to fail, each with the reason. Rewrite with: python tests/wpt/report.py --update",
        "expected_failures": failures,
    }
    EXPECTATIONS.mkdir(exist_ok=True)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    (EXPECTATIONS / f"{suite.name}.json").write_text(text, encoding="utf-8")


def run_all(names: list[str] | None = None) -> dict[str, dict[str, str | None]]:
    chosen = [SUITES_BY_NAME[n] for n in names] if names else SUITES

    async def go() -> dict[str, dict[str, str | None]]:
        return {s.name: await run_suite(s) for s in chosen}

    return asyncio.run(go())
