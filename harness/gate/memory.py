"""The run's memory: per-example results kept for ``--harness-history`` and ``--harness-predictions``, and
``--harness-fail-on-regression``, which holds each claim to the last run of it on the same rows."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from harness.claims.verdict import FAIL, FAIL_STAND_IN, PASS_STAND_IN, Verdict
from harness.gate import records
from harness.report import history


@dataclass
class RunMemory:
    root: Path  # the project's folder, whose git commit a history entry records
    history: Path | None = None
    predictions: Path | None = None
    fail_on_regression: bool = False
    examples: dict[str, dict[str, list[Any]]] = field(default_factory=dict)  # "claim_id|backend" -> columns
    # The history's runs, newest first, read once: every claim of the run compares with them, and this run
    # joins them only when it ends.
    _past: list[history.Run] | None = field(default=None, repr=False)

    @classmethod
    def from_config(cls, config: pytest.Config) -> RunMemory | None:
        option = config.getoption
        folder, predictions = option("harness_history"), option("harness_predictions")
        if option("harness_fail_on_regression") and not folder:
            raise pytest.UsageError(
                "--harness-fail-on-regression compares each claim with its last run in a history folder: "
                "add --harness-history DIR (the first run there fills it)"
            )
        if not (folder or predictions):
            return None
        return cls(root=config.rootpath, history=Path(folder).resolve() if folder else None,
                   predictions=Path(predictions).resolve() if predictions else None,
                   fail_on_regression=option("harness_fail_on_regression"))  # fmt: skip

    def judge(self, verdict: Verdict) -> Verdict:
        """With --harness-fail-on-regression: the verdict failed if its per-example results got significantly
        worse than in the last run of the same claim; a note says what it was compared with either way."""
        if not self.fail_on_regression or verdict.per_example is None:
            return verdict
        from harness.report.diff import compare_claim  # numpy: only once a claim was measured

        if self._past is None:
            self._past = history.past_runs(self.history)
        last = history.last_with(self._past, verdict.claim_id, verdict.backend)
        if last is None:
            return _noted(verdict, f"regression: no earlier run of this claim in {self.history} to compare with")
        name = history.key(verdict.claim_id, verdict.backend)
        diff = compare_claim(last.verdict(verdict.claim_id, verdict.backend), verdict.as_dict(), last.examples[name],
                             verdict.per_example)  # fmt: skip
        if diff.not_comparable:
            return _noted(verdict, f"regression: not compared with the run of {last.label}: {diff.not_comparable}")
        if not diff.regressed:
            return _noted(verdict, f"regression: none since the run of {last.label} ({diff.change.method})")
        flips = "; ".join(f"#{f['index']} {f['old']!r} → {f['new']!r}" for f in diff.flipped[:3])
        found = (f"regressed since the run of {last.label}: {diff.old:.4f} → {diff.new:.4f}; {diff.change.method}"
                 + (f"; flipped: {flips}" if flips else ""))  # fmt: skip
        status = FAIL_STAND_IN if verdict.status in (PASS_STAND_IN, FAIL_STAND_IN) else FAIL
        return replace(verdict, status=status, reason=f"{verdict.reason}; {found}" if verdict.reason else found)

    def keep(self, node: pytest.Item | None, verdict: Verdict) -> None:
        if verdict.per_example is None:
            return
        record = {"key": history.key(verdict.claim_id, verdict.backend), "columns": verdict.per_example}
        if node is None:
            self.collect(record)
        else:
            records.attach(node, records.EXAMPLES, record)

    def collect(self, record: dict[str, Any]) -> None:
        self.examples[record["key"]] = record["columns"]

    def about(self) -> dict[str, str]:
        """What verdicts.json records of this memory: where its per-example predictions are."""
        return {"predictions": str(self.predictions)} if self.predictions else {}

    def write(self, rows: list[dict[str, Any]], about: dict[str, Any]) -> list[str]:
        """Write the history entry and the predictions files; the lines that say where."""
        said = []
        if self.predictions:
            written = history.write_predictions(self.predictions, self.examples)
            files = f"one JSONL file per claim, {len(written)}"
            said.append(f"per-example predictions written to {self.predictions} ({files})")
        if self.history:
            entry = history.append(self.history, claims=rows, about=about, examples=self.examples, root=self.root)
            said.append(f"run added to the history: {entry}")
        return said


def _noted(verdict: Verdict, note: str) -> Verdict:
    return replace(verdict, notes=(*verdict.notes, note))
