"""A claim's outcome on one backend, with everything a reader needs to judge it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.claims.model import Claim

PASS, FAIL, SKIPPED, NOT_CHECKABLE, NOT_RUN = "pass", "fail", "skipped", "not checkable", "not run"
# Judged against what a stand-in was built to give (the replica's reference), not the card's figure:
# the status says so wherever it is shown, so no reader takes it for a verdict on the card.
PASS_STAND_IN, FAIL_STAND_IN = "pass (stand-in)", "fail (stand-in)"
CARD, STAND_IN = "the card's figure", "the stand-in's reference"


def outcome(passed: bool, *, compared_with: str = CARD) -> str:
    """The status of a judged verdict: plain against the card's figure, marked against a stand-in."""
    if compared_with == STAND_IN:
        return PASS_STAND_IN if passed else FAIL_STAND_IN
    return PASS if passed else FAIL


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
    diagnosis: tuple[str, ...] = field(default_factory=tuple)  # a failure's probes: what was tried, what was found
    seconds: float | None = None
    device: str | None = None  # where it ran: "cpu (<CPU model>)" or "cuda:0 (<GPU model>)"
    examples_per_second: float | None = None
    features: int | None = None  # model inputs: one per example, or several windows per QA question
    features_per_second: float | None = None
    evaluation: str | None = None  # "full split", or "sample": judged by a confidence interval
    interval: tuple[float, float] | None = None  # the measured value's interval, on a sample
    interval_method: str | None = None  # e.g. "99% Wilson score"
    # replica runs: examples whose prediction differs from the stand-in's reference, and how many may
    differing: int | None = None
    allowed_differing: int | None = None
    # relative claims: the model judged against, its value on the same rows, and the paired test's words
    baseline: str | None = None
    baseline_measured: float | None = None
    ratio: float | None = None
    paired_test: str | None = None
    # Each example's index, text excerpt, prediction, reference and score, for the run's history and
    # predictions files; never part of the verdict's record (as_dict leaves it out).
    per_example: dict[str, list[Any]] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def for_claim(cls, claim: Claim, backend: str, *, mode: str, **fields: Any) -> Verdict:
        """A judged claim's verdict: what the claim says, plus ``fields`` (status, measured, model, ...)."""
        return cls(
            claim_id=claim.id, backend=backend, metric=claim.metric, claimed=claim.value,
            tolerance=claim.relative.describe() if claim.relative else claim.tolerance.describe(),
            source=claim.source, mode=mode, **fields,
        )  # fmt: skip

    @classmethod
    def unchecked(cls, claim: Claim, backend: str, *, status: str, reason: str, mode: str = "card") -> Verdict:
        """The verdict of a claim that was not measured: skipped, refused or failed before any number."""
        return cls(claim_id=claim.id, backend=backend, status=status, metric=claim.metric, claimed=claim.value,
                   reason=reason, model=claim.model.repo, source=claim.source, mode=mode)  # fmt: skip

    @property
    def passed(self) -> bool:
        return self.status in (PASS, PASS_STAND_IN)

    @property
    def failed(self) -> bool:
        return self.status in (FAIL, FAIL_STAND_IN)

    def explain(self) -> str:
        if self.status in (SKIPPED, NOT_CHECKABLE, NOT_RUN):
            return f"{self.claim_id} [{self.backend}]: {self.status}: {self.reason}"
        head = "holds" if self.passed else "DOES NOT HOLD"
        if self.status in (PASS_STAND_IN, FAIL_STAND_IN):
            head += " on the stand-in (a stand-in's result, not a verdict on the card)"
        lines = [f"claim {self.claim_id} [{self.backend}] {head}"]
        lines.append(f"  claimed    {self.metric} = {_fmt(self.claimed)}   (card: {self.source})")
        if self.target_from:
            lines.append(f"  expected   {_fmt(self.target)}  ({self.target_from})")
        lines.append(f"  measured   {_fmt(self.measured)}")
        if self.baseline is not None:
            lines.append(f"  baseline   {_fmt(self.baseline_measured)}  ({self.baseline})")
            lines.append(f"  ratio      {_fmt(self.ratio)}  (measured / baseline)")
        if self.paired_test:
            lines.append(f"  test       {self.paired_test}")
        if self.differing is not None:
            lines.append(
                f"  differ     {self.differing} of {self.n} examples predicted otherwise than the reference "
                f"(at most {self.allowed_differing} allowed)"
            )
        if self.reason:
            lines.append(f"  reason     {self.reason}")
        lines.append(f"  tolerance  {self.tolerance}")
        if self.interval is not None:
            low, high = self.interval
            how = (
                " on the sample; the expected value must lie inside it, widened by the tolerance"
                if self.evaluation == "sample"
                else ""
            )
            lines.append(f"  interval   {self.interval_method} [{low:.4f}, {high:.4f}]{how}")
        if self.n is not None:
            sample = f" (a seeded sample of {self.n_total})" if self.n != self.n_total else ""
            lines.append(f"  examples   {self.n}{sample}")
        lines.append(f"  backend    {self.backend}" + (f" on {self.device}" if self.device else ""))
        lines.append(f"  model      {self.model} @ {self.model_revision}")
        if self.dataset:
            lines.append(f"  dataset    {self.dataset} @ {self.dataset_revision}")
        if self.features_per_second:
            lines.append(f"  speed      {self.features_per_second:.0f} features/s ({self.features} features)")
        for note in self.notes:
            lines.append(f"  note       {note}")
        for line in self.diagnosis:
            lines.append(f"  diagnosis  {line}")
        return "\n".join(lines)

    @property
    def compared_with(self) -> str | None:
        """What the measurement was judged against, in words; None when it was not judged."""
        if not (self.passed or self.failed) or self.measured is None:
            return None
        return self.target_from or CARD

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> Verdict:
        """The verdict ``as_dict`` wrote (as a test's report carries it between processes)."""
        known = {name: record[name] for name in cls.__dataclass_fields__ if name in record}
        for name in ("notes", "diagnosis"):
            known[name] = tuple(known.get(name) or ())
        if known.get("interval") is not None:
            known["interval"] = tuple(known["interval"])
        return cls(**known)

    def as_dict(self) -> dict[str, Any]:
        interval = list(self.interval) if self.interval is not None else None
        record = asdict(replace(self, per_example=None))
        del record["per_example"]
        return {**record, "notes": list(self.notes), "diagnosis": list(self.diagnosis), "interval": interval,
                "compared_with": self.compared_with}  # fmt: skip


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"
