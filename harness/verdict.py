"""A claim's outcome on one backend, with everything a reader needs to judge it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

PASS, FAIL, SKIPPED, NOT_CHECKABLE, NOT_RUN = "pass", "fail", "skipped", "not checkable", "not run"


@dataclass(frozen=True, kw_only=True)
class Verdict:
    claim_id: str
    backend: str
    status: str
    metric: str
    claimed: float | None  # the card's value
    target: float | None = None  # the value checked against: the card's, or a replica's reference
    target_from: str | None = None  # where the target came from, when it is not the card's figure
    measured: float | None = None
    tolerance: str | None = None
    mode: str = "card"  # "card": real artifacts; "replica": stand-ins built by `harness replica`
    n: int | None = None
    n_total: int | None = None
    model: str | None = None
    model_revision: str | None = None
    dataset: str | None = None
    dataset_revision: str | None = None
    source: str = ""
    reason: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    seconds: float | None = None
    examples_per_second: float | None = None
    features: int | None = None  # model inputs: one per example, or several windows per QA question
    features_per_second: float | None = None
    evaluation: str | None = None  # "full split", or "sample": judged by a confidence interval
    interval: tuple[float, float] | None = None  # the measured value's interval, on a sample
    interval_method: str | None = None  # e.g. "99% Wilson score"

    @property
    def passed(self) -> bool:
        return self.status == PASS

    def explain(self) -> str:
        if self.status in (SKIPPED, NOT_CHECKABLE, NOT_RUN):
            return f"{self.claim_id} [{self.backend}]: {self.status}: {self.reason}"
        head = "holds" if self.passed else "DOES NOT HOLD"
        lines = [f"claim {self.claim_id} [{self.backend}] {head}"]
        lines.append(f"  claimed    {self.metric} = {_fmt(self.claimed)}   (card: {self.source})")
        if self.target_from:
            lines.append(f"  expected   {_fmt(self.target)}  ({self.target_from})")
        lines.append(f"  measured   {_fmt(self.measured)}")
        if self.reason:
            lines.append(f"  reason     {self.reason}")
        lines.append(f"  tolerance  {self.tolerance}")
        if self.interval is not None:
            low, high = self.interval
            lines.append(
                f"  interval   {self.interval_method} [{low:.4f}, {high:.4f}] on the sample; the expected value "
                "must lie inside it, widened by the tolerance"
            )
        if self.n is not None:
            sample = f" (a seeded sample of {self.n_total})" if self.n != self.n_total else ""
            lines.append(f"  examples   {self.n}{sample}")
        lines.append(f"  backend    {self.backend}")
        lines.append(f"  model      {self.model} @ {self.model_revision}")
        if self.dataset:
            lines.append(f"  dataset    {self.dataset} @ {self.dataset_revision}")
        if self.features_per_second:
            lines.append(f"  speed      {self.features_per_second:.0f} features/s ({self.features} features)")
        for note in self.notes:
            lines.append(f"  note       {note}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        interval = list(self.interval) if self.interval is not None else None
        return {**asdict(self), "notes": list(self.notes), "interval": interval}


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"
