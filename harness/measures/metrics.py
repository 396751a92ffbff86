"""Pure metric functions on numpy arrays; nothing here knows about models, files or pytest."""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from harness.measures import entities


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


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.asarray(logits, dtype=np.float64)
    shifted = np.exp(shifted - shifted.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def mean(scores: np.ndarray) -> float:
    if len(scores) == 0:
        raise ValueError("no examples were scored")
    return float(np.mean(scores))


# Classification scores of the whole set, not means of per-example values: precision, recall and F1 on
# the positive label (binary) or averaged over the labels present (macro, as scikit-learn's
# average="macro"), and ROC AUC. Their per-example records are rows of (predicted label, reference
# label, probability of the positive label) in the dataset's label space; the value is computed over
# the rows (and over resampled rows for an interval). Written here because they are a few lines each
# and the harness does not depend on scikit-learn, which the tests use as the reference.
CORPUS = frozenset({"precision", "recall", "f1", "precision_macro", "recall_macro", "f1_macro", "roc_auc"})
POSITIVE = 1  # the binary scores' positive label: the dataset's label 1 (GLUE SST-2: positive)


def records(predicted: np.ndarray, reference: np.ndarray, positive_probability: np.ndarray) -> np.ndarray:
    """The per-example rows the corpus-level scores are computed from."""
    return np.column_stack([predicted, reference, positive_probability]).astype(np.float64)


def is_corpus(scores: np.ndarray) -> bool:
    """Whether ``scores`` are a corpus-level score's rows (2-D) rather than per-example values: a name
    alone cannot tell, as "f1" is QA's per-example mean and a classifier's corpus-level score."""
    return np.ndim(scores) == 2


def right_per_example(metric: str, scores: np.ndarray) -> np.ndarray:
    """Per example, 1.0 where it was right as a whole: a classifier's label, a sentence's every tag;
    a per-example score as it is (for a probe or a paired test that compares examples)."""
    scores = np.asarray(scores, dtype=np.float64)
    if not is_corpus(scores):
        return scores
    if metric in entities.METRICS:
        return entities.exact(scores)
    return (scores[:, 0] == scores[:, 1]).astype(np.float64)


def value_of(metric: str, scores: np.ndarray) -> float:
    """The claim's figure from its per-example scores: their mean, or a corpus-level score of the rows."""
    scores = np.asarray(scores, dtype=np.float64)
    if not is_corpus(scores):
        return mean(scores)
    if metric in entities.METRICS:  # token classification: rows of per-sentence entity and tag counts
        if len(scores) == 0:
            raise ValueError("no sentences were scored")
        return entities.value(metric, scores)
    if metric not in CORPUS:
        raise ValueError(f"{metric} is not a corpus-level score ({', '.join(sorted(CORPUS))})")
    if len(scores) == 0:
        raise ValueError("no examples were scored")
    predicted, reference = scores[:, 0].astype(int), scores[:, 1].astype(int)
    if metric == "roc_auc":
        return roc_auc(reference == POSITIVE, scores[:, 2])
    name, _, average = metric.partition("_")
    labels = np.union1d(predicted, reference) if average == "macro" else [POSITIVE]
    return float(np.mean([_label_score(name, predicted == label, reference == label) for label in labels]))


def _label_score(name: str, predicted: np.ndarray, actual: np.ndarray) -> float:
    """Precision, recall or F1 of one label; 0 where its denominator is 0 (scikit-learn's zero_division=0)."""
    hits = float(np.sum(predicted & actual))
    chosen, real = float(np.sum(predicted)), float(np.sum(actual))
    denominator = {"precision": chosen, "recall": real, "f1": 0.5 * (chosen + real)}[name]
    return hits / denominator if denominator else 0.0


def roc_auc(positive: np.ndarray, probability: np.ndarray) -> float:
    """The area under the ROC curve: the chance that a positive example scores above a negative one,
    ties counting half (the Mann-Whitney U statistic over both counts)."""
    from scipy.stats import rankdata

    positive = np.asarray(positive, dtype=bool)
    n_positive, n_negative = int(positive.sum()), int((~positive).sum())
    if n_positive == 0 or n_negative == 0:
        raise ValueError("ROC AUC needs examples of both labels; these examples hold only one")
    ranks = rankdata(probability)
    return float((ranks[positive].sum() - n_positive * (n_positive + 1) / 2) / (n_positive * n_negative))


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
