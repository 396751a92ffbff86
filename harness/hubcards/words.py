"""How cards name metrics and tasks, mapped to what the harness computes; units and noise per metric."""

from __future__ import annotations

import re

from harness.claims.vocabulary import CLASSIFICATION_CORPUS, ENTITY_METRICS

# Names cards print (any case, any punctuation) -> the harness's metric. Where a name means different
# things per task ("f1": a classifier's F1 over labels, QA's token-overlap F1), the task decides below.
METRIC_NAMES = {
    "accuracy": "accuracy", "acc": "accuracy", "eval accuracy": "accuracy", "eval acc": "accuracy",
    "loss": "eval_loss", "eval loss": "eval_loss", "validation loss": "eval_loss", "eval_loss": "eval_loss",
    "f1": "f1", "f1 score": "f1", "eval f1": "f1",
    "macro f1": "f1_macro", "f1 macro": "f1_macro",
    "exact match": "exact_match", "exact_match": "exact_match", "em": "exact_match", "exact": "exact_match",
    "precision": "precision", "macro precision": "precision_macro", "precision macro": "precision_macro",
    "recall": "recall", "macro recall": "recall_macro", "recall macro": "recall_macro",
    "auc": "roc_auc", "roc auc": "roc_auc", "roc_auc": "roc_auc",
    "model size": "size_mib", "size": "size_mib",
}  # fmt: skip

# Task types cards use -> the harness's task; a pair task is decided from the dataset's inputs.
TASK_NAMES = {
    "text-classification": "text-classification",
    "sentiment-classification": "text-classification",
    "sentiment-analysis": "text-classification",
    "intent-classification": "text-classification",
    "natural-language-inference": "text-pair-classification",
    "question-answering": "question-answering",
    "extractive-qa": "question-answering",
    "token-classification": "token-classification",
    "named-entity-recognition": "token-classification",
    "ner": "token-classification",
}

# Names that mean another metric on a task: a token-classification card's F1, precision and recall are
# seqeval's entity-level scores, and its accuracy is seqeval's share of tags right (the Hub's
# evaluation service and the Trainer's run_ner both report them so).
ON_TASK = {
    "token-classification": {
        "f1": "entity_f1", "precision": "entity_precision", "recall": "entity_recall", "accuracy": "token_accuracy",
    },
}  # fmt: skip

# What each harness task computes, as the importer may claim it.
COMPUTED = {
    "text-classification": {"accuracy", "eval_loss", *CLASSIFICATION_CORPUS},
    "text-pair-classification": {"accuracy", "eval_loss", *CLASSIFICATION_CORPUS},
    "question-answering": {"f1", "exact_match"},
    "token-classification": set(ENTITY_METRICS),
}

# A metric's scale in the harness: a fraction (0-1), percent (0-100), or unbounded (a loss, a size).
FRACTION, PERCENT, UNBOUNDED = "fraction", "percent", "unbounded"
SCALE = {"question-answering": PERCENT}  # SQuAD's EM and F1 are reported x100, as the official script does
UNBOUNDED_METRICS = {"eval_loss", "size_mib"}

# How far an honest re-run of a metric moves, beyond the printed digits: batching, padding and runtime
# differences on the same rows (the hand-written cards use the same amounts).
NOISE = {"fraction": 0.005, "percent": 0.5, "eval_loss": 0.01, "size_mib": 0.5}


def metric_name(printed: str) -> str | None:
    """The harness's metric for a printed name ("**Accuracy (eval-accuracy)**", "Loss", "eval_f1")."""
    text = re.sub(r"[*_`]", " ", printed).lower()
    text = re.sub(r"\(.*?\)", " ", text)  # "Model size (MB)", "Accuracy (eval-accuracy)"
    text = " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())
    return METRIC_NAMES.get(text)


def task_metric(task: str | None, metric: str | None) -> str | None:
    """The harness's metric for a card's name of it on ``task`` (``metric_name``'s reading, task-aware)."""
    return ON_TASK.get(task or "", {}).get(metric or "", metric)


def scale_of(task: str, metric: str) -> str:
    if metric in UNBOUNDED_METRICS:
        return UNBOUNDED
    return SCALE.get(task, FRACTION)
