"""Accuracy, F1 and loss: evaluate, then judge against the card (interval on a sample) or a replica."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from harness.backends.base import PickleRefused
from harness.checks.per_example import per_example
from harness.claims.model import Claim
from harness.claims.verdict import FAIL, PASS, Verdict
from harness.data.splits import Split
from harness.errors import NotSupported
from harness.evaluation.context import Settings
from harness.evaluation.evaluate import Evaluation, evaluation_of
from harness.evaluation.opening import open_split, resolve_model, sample
from harness.hub.resolve import Snapshot
from harness.measures import metrics
from harness.tasks import task_of
from harness.tasks.classification import LabelMismatch


def check_quality(claim: Claim, backend: str, settings: Settings) -> Verdict:
    """An accuracy, F1 or loss claim: evaluate the claim's split (or a seeded sample) and judge it
    against the card's figure, or against the stand-in's references on a replica.

    Raises NotSupported or ArtifactMissing when the claim cannot be run here; a checkpoint the backend
    refuses to load (an unpinned pickle) or labels that cannot be aligned fail the claim.
    """
    opened = open_claim(claim, settings)
    model, data, split, indices, rows, common = (
        opened.model, opened.data, opened.split, opened.indices, opened.rows, opened.facts(claim)
    )
    try:
        evaluation, cache_note = evaluation_of(claim, backend, settings, model, data, indices, rows)
    except PickleRefused as exc:
        return Verdict.for_claim(claim, backend, mode=settings.mode, status=FAIL, reason=str(exc), **common)
    except LabelMismatch as exc:
        reason = f"labels cannot be aligned: {exc}"
        return Verdict.for_claim(claim, backend, mode=settings.mode, status=FAIL, reason=reason, **common)
    measured = metrics.value_of(claim.metric, evaluation.scores)
    if settings.expectations is None:
        judged = judge(claim, claim.value, measured, evaluation.scores, population=len(split), seed=settings.seed)
        judged.update(target=claim.value)
    else:
        judged = _judge_on_replica(claim, backend, settings, indices, evaluation, population=len(split))
    found_notes = judged.pop("notes", ())
    verdict = Verdict.for_claim(
        claim, backend, mode=settings.mode, **judged, **common, measured=measured,
        notes=(*evaluation.notes, *found_notes, *evaluation.warnings, *cache_note), seconds=evaluation.seconds,
        examples_per_second=_rate(len(rows), evaluation.seconds), features=evaluation.features,
        features_per_second=_rate(evaluation.features, evaluation.seconds),
        per_example=per_example(claim, indices, rows, evaluation.predictions, evaluation.scores),
    )  # fmt: skip
    if not verdict.failed:
        return verdict
    found = _diagnosis(claim, verdict, evaluation, model, rows)
    if settings.diagnose:
        from harness.checks.diagnosis_runs import deeper

        found += deeper(claim, backend, settings, model, data, len(rows), measured, evaluation.predictions)
    return replace(verdict, diagnosis=found)


@dataclass(frozen=True)
class Opened:
    """A claim's model and split resolved, and the rows this run evaluates (the split, or a seeded sample)."""

    model: Snapshot
    data: Snapshot
    split: Split
    indices: list[int]
    rows: Split

    def facts(self, claim: Claim) -> dict:
        """What every verdict on these rows says about them."""
        return dict(
            n=len(self.rows), n_total=len(self.split), model=self.model.repo, model_revision=self.model.revision,
            dataset=claim.dataset.describe(self.data.repo), dataset_revision=self.data.revision,
        )  # fmt: skip


def open_claim(claim: Claim, settings: Settings) -> Opened:
    """Raises NotSupported for a task this harness lacks, or on the true-size replica (random weights)."""
    task_of(claim.task)
    if settings.expectations is not None and settings.expectations.size == "true":
        raise NotSupported(
            f"the true-size replica at {settings.expectations.root} has random weights, so it carries no "
            f"reference for {claim.id}; accuracy is checked on the tiny replica (`--harness-hub replica`)"
        )
    model = resolve_model(claim, settings.location)
    data, split = open_split(claim, settings)
    indices = sample(claim, split, limit=settings.limit, seed=settings.seed)
    return Opened(model=model, data=data, split=split, indices=indices, rows=split.take(indices))


def _diagnosis(claim: Claim, verdict: Verdict, evaluation: Evaluation, model: Snapshot, rows: Split) -> tuple[str, ...]:
    """Probes of a failure that reuse its predictions; a probe that cannot run says why."""
    from harness.checks.diagnosis import diagnose

    try:
        return diagnose(
            claim, target=verdict.target if verdict.target is not None else claim.value,
            predictions=evaluation.predictions, scores=metrics.right_per_example(claim.metric, evaluation.scores),
            labels=rows.labels,
            label_names=rows.label_names, model_folder=model.path,
            columns=[rows.inputs[name] for name in claim.dataset.inputs],
            max_length=claim.max_seq_length,
        )  # fmt: skip
    except (OSError, ValueError, KeyError) as exc:  # a probe's failure must not hide the verdict
        return (f"not run: {type(exc).__name__}: {exc}",)


def judge(claim: Claim, target: float, measured: float, scores: np.ndarray, *, population: int, seed: int) -> dict:
    """On the whole split, the plain tolerance; on a sample, whether the target lies inside the
    measured value's confidence interval widened by the tolerance (a sample's value has an error
    the claim, made on the whole split, does not)."""
    if len(scores) >= population:
        passed = claim.tolerance.admits(claimed=target, measured=measured)
        return {"status": PASS if passed else FAIL, "evaluation": "full split"}
    from harness.measures import intervals

    found = intervals.interval(claim.metric, scores, population=population, seed=seed)
    return {
        "status": PASS if found.admits(claim.tolerance, claimed=target) else FAIL,
        "evaluation": "sample",
        "interval": (found.low, found.high),
        "interval_method": f"{found.confidence:.0%} {found.method}",
    }


def _rate(count: int, seconds: float) -> float | None:
    return count / seconds if seconds else None


def _judge_on_replica(
    claim: Claim, backend: str, settings: Settings, indices: list[int], evaluation: Evaluation, *, population: int
) -> dict:
    from harness.checks import replica_gate

    expectations = settings.expectations
    if metrics.is_corpus(evaluation.scores) and claim.metric in metrics.CORPUS:
        raise NotSupported(
            f"the replica's references are each example's prediction for its accuracy and loss claims; a "
            f"corpus-level {claim.metric} is checked against the card's figure on the real model"
        )
    try:
        return replica_gate.judge(
            claim, backend, expectations, indices, evaluation.predictions, evaluation.scores, population=population
        )
    except replica_gate.NoReference as exc:
        raise NotSupported(str(exc)) from None

