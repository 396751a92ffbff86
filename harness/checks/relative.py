"""Relative claims: a model judged against a baseline model on the same rows (``relative_to``).

Both sides are evaluated on the same examples (the whole split, or one seeded sample), and the verdict
comes from ``measures.paired``: on the whole split the two values are compared as they are; on a sample,
a paired test must show that the candidate reaches the bound (a sample too small to show it fails, and
says so). On the replica, the baseline's side is the stand-in's reference (transformers' pipeline, one
example at a time), not a second run of the harness.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from harness.backends.base import PickleRefused
from harness.checks.per_example import per_example
from harness.checks.quality import open_claim
from harness.claims.model import Claim
from harness.claims.verdict import CARD, FAIL, SKIPPED, STAND_IN, Verdict, outcome
from harness.data.splits import Split
from harness.errors import NotSupported
from harness.evaluation.context import Settings
from harness.evaluation.evaluate import evaluation_of
from harness.evaluation.opening import resolve_model
from harness.hub.resolve import Snapshot
from harness.measures import paired
from harness.tasks.classification import LabelMismatch


def check_relative(claim: Claim, backend: str, settings: Settings) -> Verdict:
    """Raises NotSupported, BackendUnavailable or ArtifactMissing when either side cannot run here."""
    opened = open_claim(claim, settings)
    base_claim = baseline_claim(claim)
    base_model = resolve_model(base_claim, settings.location)
    model, data, split, indices, rows = opened.model, opened.data, opened.split, opened.indices, opened.rows
    on = claim.relative.baseline.backend
    common = dict(**opened.facts(claim), baseline=f"{base_model.repo} @ {base_model.revision} on {on}")
    try:
        evaluation, cache_note = evaluation_of(claim, backend, settings, model, data, indices, rows)
        base_scores, base_from = _baseline_scores(base_claim, settings, base_model, data, indices, rows)
    except (PickleRefused, LabelMismatch) as exc:
        return Verdict.for_claim(claim, backend, mode=settings.mode, status=FAIL, reason=str(exc), **common)
    rule = paired.Rule(recovery=claim.relative.recovery, max_drop=claim.relative.max_drop)
    whole = len(rows) >= len(split)
    found = paired.compare(claim.metric, evaluation.scores, base_scores, rule, whole_split=whole, seed=settings.seed)
    compared_with = STAND_IN if settings.expectations is not None else CARD
    # Neither shown to hold nor shown to fall short: a sample too small to tell is skipped, saying so.
    status = SKIPPED if not (found.passed or found.failed) else outcome(found.passed, compared_with=compared_with)
    return Verdict.for_claim(
        claim, backend, mode=settings.mode, **common, status=status,
        measured=found.candidate, target=found.bound, target_from=f"{rule.describe()}: {base_from}",
        baseline_measured=found.baseline, ratio=found.ratio, paired_test=_test_words(found, whole),
        evaluation="full split" if whole else "sample", reason=None if found.passed else _shortfall(found, len(rows)),
        notes=(*evaluation.notes, *evaluation.warnings, *cache_note), seconds=evaluation.seconds,
        per_example=per_example(claim, indices, rows, evaluation.predictions, evaluation.scores),
    )  # fmt: skip


def baseline_claim(claim: Claim) -> Claim:
    """The claim as its baseline would make it: the baseline's model and file, on its backend."""
    base = claim.relative.baseline
    return replace(
        claim, id=f"{claim.id} (baseline)", model=base.model, file=base.file, backends=(base.backend,), relative=None
    )


def _baseline_scores(
    base_claim: Claim, settings: Settings, base_model: Snapshot, data: Snapshot, indices: list[int], rows: Split
) -> tuple[np.ndarray, str]:
    """The baseline's per-example scores on ``indices``, and where they came from in words."""
    backend = base_claim.backends[0]
    if settings.expectations is not None:
        reference = settings.expectations.scores(base_claim, backend)
        if reference is None:
            raise NotSupported(
                f"the replica has no per-example reference for the baseline {base_claim.model.repo} on {backend}: "
                "it holds references for the built-in cards' claims only"
            )
        return np.asarray([reference[i] for i in indices]), "the stand-in baseline's reference on the same rows"
    from harness.backends.base import require

    require(backend)
    evaluation, _ = evaluation_of(base_claim, backend, settings, base_model, data, indices, rows)
    return np.asarray(evaluation.scores), f"the baseline measured in this run on the same rows ({backend})"


def _test_words(found: paired.PairedResult, whole: bool) -> str:
    if whole:
        return found.method
    return (
        f"{found.method}: (measured − bound) lies in [{found.lower:+.4f}, {found.upper:+.4f}]; at or above 0 "
        "throughout holds, below 0 throughout falls short"
    )


def _shortfall(found: paired.PairedResult, examples: int) -> str:
    if found.failed:
        return f"measured {found.candidate:.4f} is below the bound {found.bound:.4f} (baseline {found.baseline:.4f})"
    return (
        f"a sample of {examples} cannot tell: measured {found.candidate:.4f} against the bound {found.bound:.4f}, and "
        f"(measured − bound) may lie anywhere in [{found.lower:+.4f}, {found.upper:+.4f}]; a larger --harness-limit "
        "or the whole split decides"
    )
