"""Zero-shot classification, the use an NLI model's card states: the transformers pipeline on the
loaded model, and the same scores computed from the harness's own logits to check it against."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from harness.claims.vocabulary import VARIANTS
from harness.contracts.rules import softmax
from harness.errors import NotApplicable
from harness.evaluation.subject import Subject

# The pipeline's default hypothesis template.
TEMPLATE = "This example is {}."


def pipeline(subject: Subject) -> Any:
    """``transformers.pipeline("zero-shot-classification")`` on the subject's loaded model."""
    model = getattr(subject.predictor, "model", None)
    if subject.backend in VARIANTS:
        raise NotApplicable(
            f"{subject.backend} is a variant in other arithmetic than the card's; zero-shot use is checked on torch"
        )
    if model is None:
        raise NotApplicable(
            f"the {subject.backend} backend holds no transformers model for the zero-shot-classification "
            "pipeline to run; zero-shot use is checked on torch"
        )
    from transformers import pipeline as make_pipeline

    return make_pipeline("zero-shot-classification", model=model, tokenizer=subject.tokenizer, device="cpu")


def scores(subject: Subject, text: str, candidate_labels: Sequence[str], *, entailment: int) -> np.ndarray:
    """Single-label zero-shot scores from the harness's logits: each candidate label as the hypothesis
    of an NLI pair, softmax over the candidates' logits for label ``entailment`` (an index; -1 is the
    last label, the pipeline's choice when no label names entailment)."""
    hypotheses = [TEMPLATE.format(label) for label in candidate_labels]
    # The pipeline cuts inputs at the tokenizer's limit, not at the card's evaluation length.
    limit = subject.tokenizer.model_max_length
    logits = subject.logits([text] * len(hypotheses), hypotheses, max_length=limit)
    return softmax(logits[:, entailment])
