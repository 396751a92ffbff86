"""Single-sentence and sentence-pair classification: encode rows, align labels by name, score."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from harness import metrics
from harness.data import Split
from harness.engine import Encoded

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


def align(id2label: Mapping[int, str], dataset_names: Sequence[str] | None) -> Alignment:
    """Match labels by name, case-insensitively; index order only when names are absent."""
    model_names = [str(id2label[i]) for i in sorted(id2label)]
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
    if all(_GENERIC.match(name) for name in model_names):
        return Alignment(
            model_index=tuple(range(len(model_names))),
            by_name=False,
            note="the model's config names its labels LABEL_0..LABEL_n: relied on index order",
        )
    position = {name.lower(): i for i, name in enumerate(model_names)}
    unmatched = [name for name in dataset_names if name.lower() not in position]
    if unmatched or len(position) != len(model_names):
        raise LabelMismatch(
            f"dataset labels {_show(unmatched)} have no model label of the same name; "
            f"model labels: {_show(model_names)}; dataset labels: {_show(dataset_names)}"
        )
    index = tuple(position[name.lower()] for name in dataset_names)
    reordered = index != tuple(range(len(index)))
    return Alignment(
        model_index=index,
        by_name=True,
        note="labels matched by name" + (" (the model orders them differently)" if reordered else ""),
    )


def scores(metric: str, logits: np.ndarray, labels: Sequence[int], alignment: Alignment) -> np.ndarray:
    """Per-example scores in the dataset's label space; the metric is their mean."""
    aligned = np.asarray(logits)[:, list(alignment.model_index)]
    reference = np.asarray(labels)
    if metric == "accuracy":
        return metrics.correct(aligned.argmax(axis=1), reference)
    if metric == "eval_loss":
        return metrics.cross_entropy(aligned, reference)
    raise ValueError(f"classification cannot produce metric {metric!r}")


def _show(names: Sequence[str], most: int = 6) -> str:
    shown = ", ".join(names[:most])
    return f"[{shown}{', …' if len(names) > most else ''}]"
