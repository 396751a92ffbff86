"""How a run on the replica's stand-ins is judged: example by example, against the stand-in's reference.

The replica stores what the reference pipeline predicted for every example. A run on the same
stand-in computes the same function, so it must predict the same for every example it evaluated
(the whole split or a sample: the same rows either way, so there is no sampling error to allow
for, and no interval). Comparing means alone would let a flip on a row the label agrees with
cancel a flip on a row it does not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from harness.claims.model import Claim
from harness.claims.verdict import STAND_IN, outcome
from harness.measures import metrics
from harness.replica.manifest import ReplicaExpectations
from harness.tasks import task_of

# INT8 arithmetic depends on the batch: ONNX Runtime's dynamic quantization computes activation
# scales over the whole batch, and static INT8 kernels round differently when rows are batched.
# So an example whose two best labels (or spans) are nearly tied may flip between the batched run
# and the reference's one-at-a-time run. At most this many per 1,000 examples (rounded up) may
# differ on an INT8 artifact; on FP32 none may.
INT8_FLIPS_PER_1000 = 3
# A per-example loss is a float: FP32 kernels that sum in another order move it by ~1e-6.
LOSS_PER_EXAMPLE = 1e-4
REFERENCE = "the stand-in's reference: transformers' pipeline, one example at a time, on the same examples"


class NoReference(LookupError):
    """The replica carries no per-example reference for this claim and backend."""


def allowance(claim: Claim, backend: str, examples: int) -> int:
    """How many examples may differ from the reference: near-ties on INT8 artifacts, none on FP32."""
    int8 = backend == "inc" or bool(claim.model.quantized_from)
    return math.ceil(examples * INT8_FLIPS_PER_1000 / 1000) if int8 else 0


def differing(
    claim: Claim, predictions: Sequence[str], scores: np.ndarray, reference: Sequence[str],
    reference_scores: Sequence[float],
) -> list[int]:  # fmt: skip
    """Positions where the run's prediction (or, for a loss, its per-example value) is not the reference's."""
    found, task = [], task_of(claim.task)
    for i, (mine, theirs) in enumerate(zip(predictions, reference, strict=True)):
        same = task.same_prediction(mine, theirs)
        if claim.metric == "eval_loss":
            same = same and abs(float(scores[i]) - reference_scores[i]) <= LOSS_PER_EXAMPLE
        if not same:
            found.append(i)
    return found


def judge(
    claim: Claim, backend: str, expectations: ReplicaExpectations, indices: Sequence[int],
    predictions: Sequence[str], scores: np.ndarray, *, population: int,
) -> dict[str, Any]:  # fmt: skip
    """The verdict's fields for a replica run: it passes when at most the allowance of examples
    differ from the reference and the mean is within the claim's tolerance of the reference's."""
    all_predictions = expectations.predictions(claim, backend)
    all_scores = expectations.scores(claim, backend)
    if all_predictions is None or all_scores is None:
        raise NoReference(
            f"the replica at {expectations.root} has no per-example reference for {claim.id} on {backend}: it "
            "holds references for the built-in cards' claims, and none of them measures this model file, split "
            "and metric; for a built-in claim, rebuild it with `harness replica --out DIR` (or clear the cache: "
            "`harness cache clear --all`)"
        )
    reference = [all_predictions[i] for i in indices]
    reference_scores = [all_scores[i] for i in indices]
    # The claim's figure from the reference's per-example scores: their mean, or a corpus-level score
    # (entity F1) computed from the reference's per-sentence counts.
    target = metrics.value_of(claim.metric, np.asarray(reference_scores, dtype=np.float64))
    measured = metrics.value_of(claim.metric, scores)
    found = differing(claim, predictions, scores, reference, reference_scores)
    allowed = allowance(claim, backend, len(indices))
    passed = len(found) <= allowed and claim.tolerance.admits(claimed=target, measured=measured)
    notes = [] if not found else [
        "first examples that differ (split index: run / reference): "
        + "; ".join(f"{indices[i]}: {predictions[i]!r} / {reference[i]!r}" for i in found[:5])
    ]  # fmt: skip
    return {
        "status": outcome(passed, compared_with=STAND_IN),
        "target": target,
        "target_from": REFERENCE,
        "evaluation": "full split" if len(indices) >= population else "sample",
        "differing": len(found),
        "allowed_differing": allowed,
        "notes": tuple(notes),
    }
