"""Prints the WPT pass table; `--update` rewrites tests/wpt/expectations/ from this run.

python tests/wpt/report.py [--update] [suite ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.wpt.wpt import SUITES_BY_NAME, UNEXPLAINED, load_expectations, run_all, write_expectations  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rewrite the expectation files from this run")
    parser.add_argument("suites", nargs="*", choices=[[], *SUITES_BY_NAME], help="suites to run (default: all)")
    args = parser.parse_args()
    results = run_all(args.suites or None)
    print("| suite | passed | total | rate | target |\n|---|---:|---:|---:|---:|")
    for name, outcome in results.items():
        suite = SUITES_BY_NAME[name]
        passed = sum(r is None for r in outcome.values())
        target = f"{suite.target:.0%}" if suite.target else "—"
        print(f"| {name} | {passed} | {len(outcome)} | {passed / len(outcome):.1%} | {target} |")
        if args.update:
            write_expectations(suite, outcome)
    if args.update:
        todo = [
            (s, n)
            for s in results
            for n, why in load_expectations(SUITES_BY_NAME[s]).items()
            if why.startswith(UNEXPLAINED)
        ]
        for suite_name, name in todo:
            print(f"needs a reason: {suite_name}: {name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
