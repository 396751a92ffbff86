"""`harness history | diff`: the trend of past runs, and what changed between two of them."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parsers(commands) -> None:
    history = commands.add_parser("history", help="each claim's measured value over the runs of a history folder")
    history.add_argument("folder", type=Path, metavar="DIR", help="written by pytest --harness-history DIR")
    history.add_argument("--last", type=int, default=10, metavar="N", help="the last N runs (default 10)")
    history.add_argument("--claim", action="append", default=[], metavar="ID", help="only these claims (repeatable)")
    history.add_argument("--png", type=Path, default=None, metavar="PATH",
                         help="where the trend picture goes (default: DIR/trend.png)")  # fmt: skip

    diff = commands.add_parser("diff", help="what changed between two runs, tested on the same rows; exit 1 if worse")
    diff.add_argument("old", type=Path, metavar="OLD", help="a verdicts.json or a history entry")
    diff.add_argument("new", type=Path, metavar="NEW", help="a verdicts.json or a history entry")
    diff.add_argument("--show", type=int, default=10, metavar="N", help="flipped examples shown per claim (default 10)")


def history_command(args: argparse.Namespace) -> int:
    from harness.report import history, trend

    if args.last < 1:
        raise ValueError(f"--last: expected a positive number of runs, found {args.last}")
    runs = [history.load(path) for path in history.entries(args.folder)[-args.last :]]
    if not runs:
        raise ValueError(f"{args.folder}: the history folder holds no run yet; add one with --harness-history")
    found = trend.series(runs, claims=args.claim)
    print(f"{len(runs)} runs of {args.folder}, oldest first")
    print(trend.table(found))
    picture = trend.plot(found, args.png or args.folder / "trend.png", title=f"the last {len(runs)} runs")
    print(f"trend picture written to {picture}")
    return 0


def diff_command(args: argparse.Namespace) -> int:
    from harness.report import diff, history

    old, new = history.load(args.old), history.load(args.new)
    found = diff.compare_runs(old, new)
    print(diff.render(found, old, new, shown=args.show))
    if found and all(d.not_comparable for d in found):
        print("the two runs measured nothing comparable: see why above (another dataset revision or sample)")
        return 2
    return 1 if any(d.regressed for d in found) else 0
