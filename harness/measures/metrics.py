"""Pure metric functions on numpy arrays; nothing here knows about models, files or pytest."""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np


def correct(predicted: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Per-example 1.0 where the predicted class equals the reference class."""
    predicted, reference = np.asarray(predicted), np.asarray(reference)
    if predicted.shape != reference.shape:
        raise ValueError(f"{predicted.shape} predictions for {reference.shape} references")
    return (predicted == reference).astype(np.float64)


def cross_entropy(logits: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Per-example negative log-likelihood of the reference class under softmax(logits)."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1))
    return log_norm - shifted[np.arange(len(reference)), np.asarray(reference)]


def mean(scores: np.ndarray) -> float:
    if len(scores) == 0:
        raise ValueError("no examples were scored")
    return float(np.mean(scores))


# SQuAD v1.1, as its official evaluation script defines it. Written out here because the two library
# copies differ from it or cannot be used offline: `evaluate.load("squad")` fetches the script from the
# Hub, and transformers' `squad_metrics` follows SQuAD v2, which scores an empty normalized prediction
# against an empty normalized answer as F1 1 where v1.1 scores 0.
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCTUATION = frozenset(string.punctuation)


def normalize_answer(text: str) -> str:
    """Lower-case, drop punctuation, drop the articles a/an/the, collapse white space."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def squad_exact(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when the normalized prediction equals any normalized gold answer."""
    return max((float(normalize_answer(prediction) == normalize_answer(gold)) for gold in golds), default=0.0)


def squad_f1(prediction: str, golds: Sequence[str]) -> float:
    """Token-overlap F1 of the normalized strings, the best over the gold answers."""
    predicted = normalize_answer(prediction).split()
    return max((_token_f1(predicted, normalize_answer(gold).split()) for gold in golds), default=0.0)


def _token_f1(predicted: list[str], gold: list[str]) -> float:
    same = sum((Counter(predicted) & Counter(gold)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(predicted), same / len(gold)
    return 2 * precision * recall / (precision + recall)


def squad(predictions: Mapping[str, str], references: Mapping[str, Sequence[str]]) -> dict[str, float]:
    """EM and F1 in percent over every referenced question; a question with no prediction scores 0."""
    if not references:
        raise ValueError("no questions to score")
    exact = f1 = 0.0
    for question, golds in references.items():
        if question in predictions:
            exact += squad_exact(predictions[question], golds)
            f1 += squad_f1(predictions[question], golds)
    return {"exact_match": 100.0 * exact / len(references), "f1": 100.0 * f1 / len(references)}
