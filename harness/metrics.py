"""Pure metric functions on numpy arrays; nothing here knows about models, files or pytest."""

from __future__ import annotations

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
