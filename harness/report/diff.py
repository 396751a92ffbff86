"""Two runs of the same claims side by side: what changed, whether significantly, and which examples flipped.

Runs compare claim by claim, and only where they measured the same thing: the same dataset revision and
the same rows (the whole split, or the same seeded sample). The change is then tested on the per-example
results both kept (``measures.paired.change``); without them only the two values are shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness.measures import paired
from harness.report.history import Run, key

SHOWN_FLIPS = 10


@dataclass(frozen=True, kw_only=True)
class ClaimDiff:
    claim_id: str
    backend: str
    metric: str
    old: float | None
    new: float | None
    change: paired.Change | None = None
    not_comparable: str | None = None  # why the two cannot be compared, when they cannot
    untested: str | None = None  # why the change was not tested, when both values are there
    flipped: list[dict[str, Any]] = field(default_factory=list)  # examples whose prediction changed

    @property
    def regressed(self) -> bool:
        return self.change is not None and self.change.regressed


def compare_claim(
    old: Mapping[str, Any], new: Mapping[str, Any], old_examples: Mapping[str, list] | None,
    new_examples: Mapping[str, list] | None,
) -> ClaimDiff:  # fmt: skip
    """One claim on one backend in two runs (its verdict records and per-example columns)."""
    found = ClaimDiff(claim_id=new["claim_id"], backend=new["backend"], metric=new["metric"], old=old.get("measured"),
                      new=new.get("measured"))  # fmt: skip
    reason = _incomparable(old, new, old_examples, new_examples)
    if reason:
        return ClaimDiff(**{**found.__dict__, "not_comparable": reason})
    if not (old_examples and new_examples):
        untested = "no per-example results kept by both runs (--harness-history or --harness-predictions keeps them)"
        return ClaimDiff(**{**found.__dict__, "untested": untested})
    change = paired.change(new["metric"], np.asarray(old_examples["score"]), np.asarray(new_examples["score"]))
    flipped = [
        {"index": i, "text": text, "old": was, "new": now, "reference": reference}
        for i, text, was, now, reference in zip(
            new_examples["index"], new_examples["text"], old_examples["prediction"], new_examples["prediction"],
            new_examples["reference"], strict=True,
        )
        if was != now
    ]  # fmt: skip
    return ClaimDiff(**{**found.__dict__, "change": change, "flipped": flipped})


def _incomparable(old, new, old_examples, new_examples) -> str | None:
    if old.get("measured") is None or new.get("measured") is None:
        return f"not measured in both runs (statuses {old.get('status')} and {new.get('status')})"
    if old.get("metric") != new.get("metric"):
        return f"another metric ({old.get('metric')} and {new.get('metric')})"
    if old.get("dataset_revision") != new.get("dataset_revision"):
        return f"another dataset revision ({old.get('dataset_revision')} and {new.get('dataset_revision')})"
    if (old.get("n"), old.get("n_total")) != (new.get("n"), new.get("n_total")):
        return f"another sample ({_rows(old)} and {_rows(new)})"
    if old_examples and new_examples and old_examples["index"] != new_examples["index"]:
        return f"another sample (the same size, {_rows(new)}, but other rows: another --harness-seed?)"
    return None


def _rows(verdict: Mapping[str, Any]) -> str:
    n, total = verdict.get("n"), verdict.get("n_total")
    return f"the whole split of {total}" if n == total else f"{n} of {total} rows"


def compare_runs(old: Run, new: Run) -> list[ClaimDiff]:
    """Every claim and backend both runs hold a verdict for, in the newer run's order."""
    found = []
    for verdict in new.claims:
        before = old.verdict(verdict["claim_id"], verdict["backend"])
        if before is None or (before.get("measured") is None and verdict.get("measured") is None):
            continue
        name = key(verdict["claim_id"], verdict["backend"])
        found.append(compare_claim(before, verdict, old.examples.get(name), new.examples.get(name)))
    return found


def render(diffs: list[ClaimDiff], old: Run, new: Run, *, shown: int = SHOWN_FLIPS) -> str:
    lines = [f"old: {old.path} — {old.label}", f"new: {new.path} — {new.label}", ""]
    for diff in diffs:
        lines += describe(diff, shown=shown)
    regressed = sum(d.regressed for d in diffs)
    changed = sum(bool(d.flipped) or (d.change is not None and d.change.difference != 0) for d in diffs)
    skipped = sum(d.not_comparable is not None for d in diffs)
    lines.append(f"{len(diffs)} claims compared: {regressed} regressed significantly, {changed} changed, "
                 f"{skipped} not comparable")  # fmt: skip
    return "\n".join(lines)


def describe(diff: ClaimDiff, *, shown: int = SHOWN_FLIPS) -> list[str]:
    head = f"{diff.claim_id} [{diff.backend}] {diff.metric}"
    if diff.not_comparable:
        return [f"{head}: not comparable: {diff.not_comparable}"]
    values = f"{diff.old:.4f} → {diff.new:.4f} ({diff.new - diff.old:+.4f})"
    if diff.change is None:
        return [f"{head}: {values}; not tested: {diff.untested}"]
    change = diff.change
    if not diff.flipped and change.difference == 0:
        return [f"{head}: {values}: no change, every example predicted as before"]
    verdict = "REGRESSED significantly" if diff.regressed else "no significant regression"
    lines = [f"{head}: {values}, 95% interval [{change.low:+.4f}, {change.high:+.4f}]: {verdict}",
             f"  test: {change.method}"]  # fmt: skip
    if diff.flipped:
        lines.append(f"  {len(diff.flipped)} examples flipped; the first {min(shown, len(diff.flipped))}:")
        lines += [
            f"    #{f['index']}: {f['old']!r} → {f['new']!r} (reference {f['reference']!r}): {f['text']}"
            for f in diff.flipped[:shown]
        ]
    return lines
