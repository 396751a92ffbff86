"""Each evaluated example as a run's history and predictions files keep it: which row, a few words of
its text, what the model predicted, the reference, and the example's score."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from harness.claims.model import Claim
from harness.data.splits import Split
from harness.tasks import task_of

EXCERPT_CHARACTERS = 80


def per_example(
    claim: Claim, indices: Sequence[int], rows: Split, predictions: Sequence[str], scores: Any
) -> dict[str, list[Any]]:
    """Columns of equal length, one entry per evaluated example, in the order they were evaluated.

    ``score`` is what the claim's metric is computed from: a number per example, or, for a corpus-level
    score, the row (predicted label, reference label, positive-label probability)."""
    texts = [" / ".join(_text(rows.inputs[name][i]) for name in claim.dataset.inputs) for i in range(len(rows))]
    references = [
        " | ".join(map(str, reference)) if isinstance(reference, list) else str(reference)
        for reference in task_of(claim.task).references(rows)
    ]
    return {
        "index": [int(i) for i in indices],
        "text": [excerpt(text) for text in texts],
        "prediction": [str(p) for p in predictions],
        "reference": references,
        "score": np.asarray(scores, dtype=np.float64).tolist(),
    }


def _text(value: Any) -> str:
    """An input as a reader knows it: a pre-split sentence (token classification's words) as its words."""
    return " ".join(map(str, value)) if isinstance(value, list) else str(value)


def excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARACTERS else text[: EXCERPT_CHARACTERS - 1] + "…"
