"""Prints the differential table: per suite, how many corpus cases edgeworker answers as workerd does.

python tests/differential/report.py [--diff] [suite ...]

Starts workerd (installing it with `npm ci` in tests/differential/ if needed) and an edgeworker node, runs the
corpus on both, and prints a Markdown table; the listed differences are counted by the kind their reason in
expected-differences.json starts with. `--diff` also prints each differing case with its reason.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.differential.differential import (  # noqa: E402
    KINDS,
    describe,
    ensure_workerd,
    kind,
    load_corpus,
    load_expected,
    run_corpus,
    workerd_version,
)

TARGET = 0.95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--diff", action="store_true", help="print every differing case and its reason")
    parser.add_argument("suites", nargs="*", help="suites to run (default: all)")
    args = parser.parse_args()
    binary = ensure_workerd()
    started = time.monotonic()
    outcomes = asyncio.run(run_corpus(load_corpus(args.suites or None)))
    elapsed = time.monotonic() - started
    expected = load_expected()
    suites = sorted({o.case.suite for o in outcomes.values()})
    print("| suite | equal | total | rate | " + " | ".join(KINDS) + " | unlisted |")
    print("|---|---:|---:|---:|" + "---:|" * (len(KINDS) + 1))
    rows = [(s, [o for o in outcomes.values() if o.case.suite == s]) for s in suites]
    rows.append(("**all**", list(outcomes.values())))
    for name, group in rows:
        equal = sum(o.equal for o in group)
        kinds = [kind(expected.get(o.case.id, "")) for o in group if not o.equal]
        counts = [str(kinds.count(k)) for k in KINDS] + [str(kinds.count(""))]
        print(f"| {name} | {equal} | {len(group)} | {equal / len(group):.1%} | " + " | ".join(counts) + " |")
    total_equal = sum(o.equal for o in outcomes.values())
    print(f"\ntarget {TARGET:.0%} equal; {workerd_version(binary)}; {len(outcomes)} cases in {elapsed:.1f} s")
    if args.diff:
        for case_id, outcome in sorted(outcomes.items()):
            if outcome.equal:
                continue
            print(f"\n{case_id}: {expected.get(case_id, 'UNLISTED')}\n{describe(outcome)}")
    return 0 if total_equal == len(outcomes) or all(o.equal or o.case.id in expected for o in outcomes.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
