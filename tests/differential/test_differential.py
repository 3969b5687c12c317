"""The differential corpus: edgeworker must answer every case as workerd does, except the listed differences.

`python tests/differential/report.py` prints the table per suite (and `--diff` what differs).
"""

from __future__ import annotations

import asyncio

import pytest

from tests.differential.differential import (
    EXPECTED,
    INTERMITTENT,
    KINDS,
    Outcome,
    WorkerdUnavailable,
    describe,
    ensure_workerd,
    kind,
    load_corpus,
    load_expected,
    run_corpus,
)

TARGET = 0.95


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    try:
        ensure_workerd()
    except WorkerdUnavailable as exc:
        pytest.skip(f"workerd cannot be installed: {exc}")
    return asyncio.run(run_corpus(load_corpus()))


def test_differences_are_the_listed_ones(outcomes: dict[str, Outcome]) -> None:
    expected = load_expected()
    lines = []
    for case_id, outcome in sorted(outcomes.items()):
        if not outcome.equal and case_id not in expected:
            lines.append(f"unlisted difference: {case_id}\n{describe(outcome)}")
        elif outcome.equal and case_id in expected and kind(expected[case_id]) != INTERMITTENT:
            lines.append(f"listed in {EXPECTED.name} but now equal: {case_id}")
    lines += [f"listed in {EXPECTED.name} but not in the corpus: {c}" for c in expected if c not in outcomes]
    lines += [f"reason does not start with one of {KINDS}: {c}" for c, why in expected.items() if not kind(why)]
    assert not lines, f"{len(lines)} problems (python tests/differential/report.py --diff):\n" + "\n".join(lines)


def test_target(outcomes: dict[str, Outcome]) -> None:
    equal = sum(o.equal for o in outcomes.values())
    assert equal / len(outcomes) >= TARGET, f"{equal}/{len(outcomes)} equal, below {TARGET:.0%}"
