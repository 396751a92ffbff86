"""Backend parity: one model on two backends, or a quantized model and the FP32 model it was made
from, answering alike.

Pairs come from the cards: every target not on torch is compared with its model's torch target
(the same weights on another runtime: ``fp32``), and a model whose card names ``quantized_from``
with that FP32 model on torch (``int8``). A variant a run names (``torch-fp16``, ``openvino-int8``)
is compared with its model on torch, bounded by its own arithmetic. On generated inputs the contracts
suite bounds how often the top-1 answers differ and, for ``fp32`` and ``fp16`` pairs, how far the
logits drift; on a claim's split it
also counts where each side is right and reports McNemar's exact test on the examples where only
one of them is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from harness.claims.model import Registry
from harness.claims.selection import Target, targets
from harness.claims.vocabulary import ENTITY_METRICS
from harness.contracts.rules import VARIANT_PRECISION
from harness.evaluation.context import Settings
from harness.evaluation.opening import open_split, resolve_model, sample
from harness.measures import metrics
from harness.tasks import task_of

# The least share of inputs with the same top-1 answer, on a claim's split. INT8 weights are held as
# INT8 models are: the CLINC stand-in (150 intents, close logits) kept 97.97% of its answers under NNCF's
# compression (accuracy 0.9019 against 0.9206), the other stand-ins all of them.
AGREEMENT = {"fp32": 0.995, "fp16": 0.99, "int8-weights": 0.97, "int8": 0.97}
# On generated inputs (random words) the models are often near a tie, which a variant's rounding flips by
# design: the stand-ins' FP16 and INT8-weight variants agreed with FP32 on 92% to 100% of them (QA 92-94%
# on 200, CLINC's 150 intents 95.5% on 1,000) while agreeing on every example of the claims' splits.
GENERATED_AGREEMENT = {**AGREEMENT, "fp16": 0.85, "int8-weights": 0.85}
# INT8 logits move by design: only their argmax is bounded. FP16 rounds each value to 11 significant bits
# (a relative 4.9e-4) and its errors add up over the layers: the stand-ins' logits moved up to 0.004 from
# FP32 (classification) and 0.055 (QA start logits over 384 tokens); the bound leaves room above that.
# NNCF's 8-bit weights (activations FP32) moved the stand-ins' logits by 0.039.
LOGIT_TOLERANCE = {"fp32": 1e-3, "fp16": 0.1}


@dataclass(frozen=True, kw_only=True)
class Pair:
    candidate: Target
    reference: Target  # always a torch FP32 target
    kind: str  # "fp32", "fp16", "int8-weights" or "int8": the candidate's arithmetic

    @property
    def id(self) -> str:
        return f"{self.candidate.id}-vs-{self.reference.id}"

    @property
    def agreement(self) -> float:
        return AGREEMENT[self.kind]

    @property
    def generated_agreement(self) -> float:
        return GENERATED_AGREEMENT[self.kind]

    @property
    def logit_tolerance(self) -> float | None:
        return LOGIT_TOLERANCE.get(self.kind)


def pairs(registry: Registry, *, models: Sequence[str] = (), backends: Sequence[str] = ()) -> list[Pair]:
    """The pairs whose candidate is among the selected models and backends (the torch reference is
    loaded whatever ``backends`` says: it is what the candidate is held to)."""
    every = {(t.claim.model.repo, t.backend): t for t in targets(registry)}
    found = []
    for candidate in targets(registry, models=models, backends=backends):
        model = candidate.claim.model
        source = model.quantized_from or model.repo
        reference = every.get((source, "torch"))
        if reference is None or reference == candidate:
            continue
        kind = "int8" if model.quantized_from else VARIANT_PRECISION.get(candidate.backend, "fp32")
        found.append(Pair(candidate=candidate, reference=reference, kind=kind))
    return found


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """How two sides' answers to the same inputs compare."""

    n: int
    agreeing: int
    max_logit_difference: float | None = None  # classification only

    @property
    def agreement(self) -> float:
        return self.agreeing / self.n if self.n else 1.0


def compare_logits(candidate: np.ndarray, reference: np.ndarray) -> Comparison:
    if candidate.shape != reference.shape:
        raise ValueError(f"logits of shape {candidate.shape} and {reference.shape} cannot be compared")
    same = candidate.argmax(axis=1) == reference.argmax(axis=1)
    return Comparison(
        n=len(same), agreeing=int(same.sum()), max_logit_difference=float(np.abs(candidate - reference).max())
    )


def compare_answers(candidate: Sequence[Any], reference: Sequence[Any]) -> Comparison:
    if len(candidate) != len(reference):
        raise ValueError(f"{len(candidate)} and {len(reference)} answers cannot be compared")
    return Comparison(n=len(candidate), agreeing=sum(a == b for a, b in zip(candidate, reference, strict=True)))


def mcnemar(candidate_right: np.ndarray, reference_right: np.ndarray) -> tuple[int, int, float]:
    """Examples only the candidate got right, only the reference got right, and the exact two-sided
    p-value of McNemar's test: is either side right more often than chance would make it?"""
    from scipy.stats import binomtest

    only_candidate = int((candidate_right & ~reference_right).sum())
    only_reference = int((reference_right & ~candidate_right).sum())
    discordant = only_candidate + only_reference
    p_value = binomtest(only_candidate, discordant, 0.5).pvalue if discordant else 1.0
    return only_candidate, only_reference, float(p_value)


def on_split(pair: Pair, settings: Settings) -> dict[str, Any]:
    """Both sides on the candidate claim's split (a seeded sample with ``settings.limit``): agreement,
    each side's correctness, and McNemar's p-value. Raises what opening a model or split raises."""
    from harness.evaluation.evaluate import evaluation_of

    claim = pair.candidate.claim
    data, split = open_split(claim, settings)
    indices = sample(claim, split, limit=settings.limit, seed=settings.seed)
    rows = split.take(indices)
    # Right or wrong per example, whatever the claim's own metric: exact match for QA, every tag for NER.
    metric = task_of(claim.task).example_metric
    sides = {}
    for name, target in (("candidate", pair.candidate), ("reference", pair.reference)):
        side_claim = replace(target.claim, dataset=claim.dataset, metric=metric)
        model = resolve_model(side_claim, settings.location)
        # Through the prediction cache: the accuracy suite has usually evaluated both sides already.
        evaluation, _ = evaluation_of(side_claim, target.backend, settings, model, data, indices, rows)
        sides[name] = {
            "model": model.repo, "revision": model.revision, "backend": target.backend,
            "artifact": evaluation.artifact, "predictions": evaluation.predictions,
            # accuracy and exact match are 0 or 1 (QA: 0 or 100); a sentence's tags are all right or not
            "right": metrics.right_per_example(metric, evaluation.scores) > 0.5,
        }  # fmt: skip
    candidate, reference = sides["candidate"], sides["reference"]
    compared = compare_answers(candidate["predictions"], reference["predictions"])
    only_candidate, only_reference, p_value = mcnemar(candidate["right"], reference["right"])
    return {
        "pair": pair.id,
        "kind": pair.kind,
        **{
            name: {key: side[key] for key in ("model", "revision", "backend", "artifact")}
            for name, side in sides.items()
        },
        "dataset": claim.dataset.describe(data.repo),
        "dataset_revision": data.revision,
        "metric": "sentences with every tag right" if metric in ENTITY_METRICS else metric,
        "n": len(rows),
        "n_total": len(split),
        "agreement": compared.agreement,
        "required_agreement": pair.agreement,
        "candidate_score": float(candidate["right"].mean()),
        "reference_score": float(reference["right"].mean()),
        "only_candidate_right": only_candidate,
        "only_reference_right": only_reference,
        "mcnemar_p": p_value,
        "passed": compared.agreement >= pair.agreement,
        "mode": settings.mode,
    }


def describe(record: dict[str, Any]) -> str:
    """One paragraph a reader can judge a split comparison by."""
    candidate, reference = record["candidate"], record["reference"]
    return (
        f"{candidate['model']} [{candidate['backend']}, {candidate['artifact']}] and "
        f"{reference['model']} [{reference['backend']}, {reference['artifact']}] on {record['dataset']} "
        f"({record['n']} of {record['n_total']} examples): same answer on {record['agreement']:.2%} "
        f"(at least {record['required_agreement']:.1%} required, {record['kind']}); {record['metric']} "
        f"{record['candidate_score']:.4f} vs {record['reference_score']:.4f}; right only on the candidate "
        f"{record['only_candidate_right']}, only on the reference {record['only_reference_right']}, "
        f"McNemar exact p = {record['mcnemar_p']:.3g}"
    )
