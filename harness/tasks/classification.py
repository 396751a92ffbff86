"""Single-sentence and sentence-pair classification: encode rows, align labels by name, score."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.data.splits import Split
from harness.engine.batching import Encoded
from harness.errors import NotSupported
from harness.measures import metrics
from harness.tasks.base import Predicted

_GENERIC = re.compile(r"^LABEL_\d+$")


class LabelMismatch(ValueError):
    """The model's label names and the dataset's cannot be matched one to one."""


@dataclass(frozen=True, kw_only=True)
class Alignment:
    # column j of the dataset-ordered logits is column model_index[j] of the model's logits
    model_index: tuple[int, ...]
    by_name: bool
    note: str


def encode(tokenizer, split: Split, *, inputs: Sequence[str], max_length: int) -> Encoded:
    columns = [split.inputs[name] for name in inputs]
    encoded = tokenizer(*columns, truncation=True, max_length=max_length)
    types = encoded.get("token_type_ids")
    return Encoded.from_lists(encoded["input_ids"], types, pad_id=tokenizer.pad_token_id or 0)


def align(
    id2label: Mapping[int, Any], dataset_names: Sequence[str] | None, *, card_labels: Sequence[str] | None = None
) -> Alignment:
    """Match labels by name, case-insensitively; index order only when the config names none.

    A config's names may be numbers (``{"0": 0, "1": 1}``, as Intel's INT8 SST-2 config has them) or
    ``LABEL_n``: those carry no names, so index order is all there is, and the note says so. A card's
    ``labels:`` names the model's labels where its config does not.
    """
    model_names = [str(id2label[i]) for i in sorted(id2label)]
    source = "the model's config"
    if card_labels is not None:
        model_names, source = _card_names(model_names, card_labels), "the card (labels:)"
    if dataset_names is None:
        return Alignment(
            model_index=tuple(range(len(model_names))),
            by_name=False,
            note="the dataset's label column carries no names: relied on index order",
        )
    if len(model_names) != len(dataset_names):
        raise LabelMismatch(
            f"the model has {len(model_names)} labels ({_show(model_names)}), "
            f"the dataset {len(dataset_names)} ({_show(dataset_names)})"
        )
    if card_labels is None and all(_unnamed(name, i) for i, name in enumerate(model_names)):
        order = ", ".join(f"{i} → {name}" for i, name in enumerate(dataset_names[:4]))
        return Alignment(
            model_index=tuple(range(len(model_names))),
            by_name=False,
            note=f"the model's config names its labels only by number ({_show(model_names)}): relied on index "
            f"order, taking the dataset's ({order}{', …' if len(dataset_names) > 4 else ''}); "
            "name them with the card's `labels:` if that order is not the model's",
        )
    position = {name.lower(): i for i, name in enumerate(model_names)}
    unmatched = [name for name in dataset_names if name.lower() not in position]
    if unmatched or len(position) != len(model_names):
        raise LabelMismatch(
            f"dataset labels {_show(unmatched)} have no model label of the same name; "
            f"model labels (from {source}): {_show(model_names)}; dataset labels: {_show(dataset_names)}"
        )
    index = tuple(position[name.lower()] for name in dataset_names)
    reordered = index != tuple(range(len(index)))
    return Alignment(
        model_index=index,
        by_name=True,
        note=f"labels named by {source}, matched by name"
        + (" (the model orders them differently)" if reordered else ""),
    )


def _unnamed(name: str, index: int) -> bool:
    """A label "name" that is only its index: ``LABEL_3``, ``3`` or ``"3"``."""
    return bool(_GENERIC.match(name)) or name == str(index)


def _card_names(config_names: Sequence[str], card_labels: Sequence[str]) -> list[str]:
    """The card's names, provided the config does not name the labels otherwise."""
    if len(card_labels) != len(config_names):
        raise LabelMismatch(
            f"the card names {len(card_labels)} labels ({_show(list(card_labels))}) but the model's config has "
            f"{len(config_names)} ({_show(list(config_names))})"
        )
    named = [(i, n) for i, n in enumerate(config_names) if not _unnamed(n, i)]
    clash = [f"{i}: {n} vs {card_labels[i]}" for i, n in named if n.lower() != card_labels[i].lower()]
    if clash:
        raise LabelMismatch(
            f"the card's labels: and the model's config name the same index differently ({'; '.join(clash)}); "
            "remove the card's labels: or correct them"
        )
    return list(card_labels)


def scores(metric: str, logits: np.ndarray, labels: Sequence[int], alignment: Alignment) -> np.ndarray:
    """Per-example scores in the dataset's label space: the metric is their mean, or, for a corpus-level
    score, computed from these rows (``metrics.value_of``)."""
    aligned = np.asarray(logits)[:, list(alignment.model_index)]
    reference = np.asarray(labels)
    if metric == "accuracy":
        return metrics.correct(aligned.argmax(axis=1), reference)
    if metric == "eval_loss":
        return metrics.cross_entropy(aligned, reference)
    if metric in metrics.CORPUS:
        binary = not metric.endswith("_macro")
        if binary and aligned.shape[1] != 2:
            raise NotSupported(
                f"{metric} is the binary score on label {metrics.POSITIVE}, and this dataset has {aligned.shape[1]} "
                f"labels; a claim over every label is {metric.split('_')[0]}_macro"
            )
        # ROC AUC needs the positive label's probability; with more than two labels there is none (-1).
        binary_labels = aligned.shape[1] == 2
        probability = metrics.softmax(aligned)[:, metrics.POSITIVE] if binary_labels else np.full(len(aligned), -1.0)
        return metrics.records(aligned.argmax(axis=1), reference, probability)
    raise ValueError(f"classification cannot produce metric {metric!r}")


def predicted_labels(
    logits: np.ndarray, alignment: Alignment, id2label: Mapping[int, Any], dataset_names: Sequence[str] | None
) -> list[str]:
    """Each example's predicted label as the evaluation read it: the dataset's label name where the
    dataset names its labels (so predictions compare across models that name or number labels
    differently), else the model's own."""
    if dataset_names is None:
        return [str(id2label[int(i)]) for i in np.asarray(logits).argmax(axis=1)]
    aligned = np.asarray(logits)[:, list(alignment.model_index)]
    return [dataset_names[int(j)] for j in aligned.argmax(axis=1)]


def _show(names: Sequence[str], most: int = 6) -> str:
    shown = ", ".join(names[:most])
    return f"[{shown}{', …' if len(names) > most else ''}]"


@dataclass(frozen=True)
class TextClassification:
    """One text (or a pair of texts) in, one of the config's labels out, aligned with the dataset's by name."""

    name: str
    text_columns: int
    metrics: tuple[str, ...] = ("accuracy",)
    default_columns: tuple[tuple[str, ...], str] | None = None  # the schema's ClassLabel and text columns
    labelled: bool = True
    aligns_labels: bool = True
    example_metric: str = "accuracy"
    windowed: bool = False
    throughput_examples: int = 32
    features_type: Any = Encoded

    def encode(self, tokenizer, rows: Split, *, claim, max_length: int) -> Encoded:
        return encode(tokenizer, rows, inputs=claim.dataset.inputs, max_length=max_length)

    def predict(self, predictor, encoded: Encoded, rows: Split, *, claim, progress, shards) -> Predicted:
        from harness.engine.batching import run

        alignment = align(predictor.id2label, rows.label_names, card_labels=claim.model.labels)
        result = run(predictor, encoded, on_batch=progress(len(encoded)), shards=shards)
        return Predicted(
            scores=scores(claim.metric, result.logits, rows.labels, alignment),
            predictions=predicted_labels(result.logits, alignment, predictor.id2label, rows.label_names),
            notes=(alignment.note,), features=len(encoded),
        )  # fmt: skip

    def outputs(self, subject, columns: Sequence[Sequence[str]], *, max_length: int, as_one_batch: bool):
        from harness.engine.batching import run

        tokenizer = subject.tokenizer
        encoded = tokenizer(*(list(c) for c in columns), truncation=True, max_length=max_length)
        features = Encoded.from_lists(encoded["input_ids"], encoded.get("token_type_ids"),
                                      pad_id=tokenizer.pad_token_id or 0)  # fmt: skip
        return run(subject.predictor, features, as_one_batch=as_one_batch).outputs

    def respond(self, subject, columns: Sequence[Sequence[str]]) -> object:
        return subject.logits(*columns).argmax(axis=1)

    def same_prediction(self, mine: str, theirs: str) -> bool:
        return mine.lower() == theirs.lower()  # "Positive" and "POSITIVE" name one label

    def claim_fields(self) -> dict[str, Any]:
        return {}

    def references(self, rows: Split) -> list[Any]:
        names = rows.label_names
        return [names[v] if names else str(v) for v in rows.labels]

    def rescore(self, metric: str, predictions: Sequence[str], rows: Split) -> np.ndarray:
        if metric != "accuracy":
            raise ValueError(f"classification cannot produce metric {metric!r}")
        return metrics.correct(np.asarray(predictions), np.asarray(self.references(rows)))

    def prediction_record(self, rows: Split, position: int, prediction: str, reference: Any) -> dict[str, Any]:
        return {"prediction": prediction, "reference": reference}


SINGLE_TEXT = TextClassification(name="text-classification", text_columns=1)
TEXT_PAIR = TextClassification(name="text-pair-classification", text_columns=2)
