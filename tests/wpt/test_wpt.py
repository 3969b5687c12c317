"""Each WPT suite must match its expectations file exactly: no unexpected failure, no unexpected pass."""

from __future__ import annotations

import pytest

from tests.wpt.wpt import SUITES, UNEXPLAINED, WPT_DIR, Suite, load_expectations, run_suite

pytestmark = pytest.mark.skipif(not WPT_DIR.is_dir(), reason=f"the WPT data files are not at {WPT_DIR}")


@pytest.mark.parametrize("suite", SUITES, ids=[s.name for s in SUITES])
async def test_wpt(suite: Suite) -> None:
    results = await run_suite(suite)
    expected = load_expectations(suite)
    unexpected_failures = {n: r for n, r in results.items() if r is not None and n not in expected}
    unexpected_passes = [n for n, r in results.items() if r is None and n in expected]
    stale = [n for n in expected if n not in results]
    unexplained = [n for n, why in expected.items() if why.startswith(UNEXPLAINED) or not why.strip()]
    lines = [f"unexpected failure: {n}: {r}" for n, r in unexpected_failures.items()]
    lines += [f"unexpected pass: {n}" for n in unexpected_passes]
    lines += [f"expectation for a case that does not exist: {n}" for n in stale]
    lines += [f"expected failure without a reason: {n}" for n in unexplained]
    assert not lines, (
        f"{suite.name}: {len(lines)} differences (update with python tests/wpt/report.py --update)\n"
        + "\n".join(lines[:50])
    )
    passed = sum(r is None for r in results.values())
    assert passed / len(results) >= suite.target, f"{suite.name}: {passed}/{len(results)} below {suite.target:.0%}"
