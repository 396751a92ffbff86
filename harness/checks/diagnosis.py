"""Why doesn't my number match the card? Probes that reuse a failed run's predictions.

Each probe says what it tried and what it found; none guesses. They cover the most common real
causes first: the order of the labels, inputs cut at ``max_seq_length``, and, for extractive QA,
empty answers and answers cut at ``max_answer_length``. None runs the model again.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from harness.claims.model import Claim, QASettings
from harness.tasks import task_of

# Up to this many labels every order is tried; beyond, the best one-to-one assignment is found.
EXHAUSTIVE_LABELS = 7


def diagnose(
    claim: Claim, *, target: float, predictions: Sequence[str], scores: np.ndarray, labels: Sequence[int] | None,
    label_names: Sequence[str] | None, model_folder: Path, columns: Sequence[Sequence[str]], max_length: int | None,
) -> tuple[str, ...]:  # fmt: skip
    """The ``diagnosis:`` lines of a failed accuracy, F1 or loss claim (``max_length``: the claim's
    sequence length, None for the tokenizer's own, as the run used)."""
    lines = []
    if claim.task == "token-classification" and labels is not None and label_names:
        return (tag_order(claim, model_folder, predictions, labels, label_names, target),)
    if claim.metric == "accuracy" and labels is not None and label_names:
        lines.append(_label_order_of(claim, model_folder, predictions, labels, label_names, target))
    if task_of(claim.task).windowed:  # long inputs are read in windows: nothing is cut, answers are probed
        lines.append(answers(model_folder, predictions, claim))
    else:
        lines.append(truncation(model_folder, columns, scores, max_length, claim.metric))
    return tuple(lines)


def _label_order_of(claim: Claim, model_folder: Path, predictions, labels, label_names, target: float) -> str:
    from harness.tasks.classification import LabelMismatch, align

    config = json.loads((model_folder / "config.json").read_text(encoding="utf-8"))
    id2label = {int(i): name for i, name in config["id2label"].items()}
    model_labels = [str(id2label[i]) for i in sorted(id2label)]
    try:
        alignment = align(id2label, label_names, card_labels=claim.model.labels)
    except LabelMismatch:
        return "label order: not tried (the model's labels cannot be matched with the dataset's at all)"
    # Predictions are dataset names, as the run read the model's outputs; back to the model's outputs:
    dataset_index = {name: j for j, name in enumerate(label_names)}
    outputs = [alignment.model_index[dataset_index[p]] for p in predictions]
    used = [alignment.model_index.index(i) for i in range(len(model_labels))]
    return label_order(outputs, labels, label_names, model_labels, used, target)


def label_order(
    outputs: Sequence[int], labels: Sequence[int], label_names: Sequence[str], model_labels: Sequence[str],
    used: Sequence[int], target: float,
) -> str:  # fmt: skip
    """Would another reading of the model's outputs as the dataset's labels give the claimed
    accuracy? ``outputs`` are the model's predicted output indices; ``used[i]`` is the dataset
    label the run read output ``i`` as."""
    counts = np.zeros((len(model_labels), len(label_names)))
    for output, gold in zip(outputs, labels, strict=True):
        counts[output, gold] += 1
    total = counts.sum()
    best = _best_order(counts)
    found = counts[np.arange(len(best)), best].sum() / total
    current = counts[np.arange(len(used)), list(used)].sum() / total
    if found <= current:
        return (f"label order: tried every one-to-one reading of the model's {len(model_labels)} labels as the "
                f"dataset's; none scores better than the one used ({current:.4f})")  # fmt: skip
    shown = ", ".join(f"{model_labels[i]} → {label_names[j]}" for i, j in enumerate(best) if j != used[i])
    was = ", ".join(f"{model_labels[i]} → {label_names[used[i]]}" for i, j in enumerate(best) if j != used[i])
    return (f"label order: reading the model's labels as {shown} (the run read {was}) gives accuracy {found:.4f} "
            f"where the run measured {current:.4f}; the target is {target:.4f}")  # fmt: skip


def tag_order(claim: Claim, model_folder: Path, predictions: Sequence[str], labels, label_names, target: float) -> str:
    """Token classification's label-order probe: the one-to-one reading of the model's tags that
    agrees with the most words, and the claim's entity score (or token accuracy) under it."""
    from harness.measures import entities
    from harness.tasks.classification import LabelMismatch, align

    config = json.loads((model_folder / "config.json").read_text(encoding="utf-8"))
    id2label = {int(i): name for i, name in config["id2label"].items()}
    try:
        alignment = align(id2label, label_names, card_labels=claim.model.labels)
    except LabelMismatch:
        return "label order: not tried (the model's tags cannot be matched with the dataset's at all)"
    index = {name: j for j, name in enumerate(label_names)}
    predicted = [sentence.split(" ") if sentence else [] for sentence in predictions]
    counts = np.zeros((len(label_names), len(label_names)))  # dataset tag the run read -> gold tag, per word
    for tags, gold in zip(predicted, labels, strict=True):
        for tag, truth in zip(tags, gold, strict=True):
            counts[index[tag], int(truth)] += 1
    best = _best_order(counts)
    gold_tags = [[label_names[int(t)] for t in sentence] for sentence in labels]
    current = entities.value(claim.metric, entities.records(gold_tags, predicted))
    reread = [[label_names[best[index[t]]] for t in tags] for tags in predicted]
    found = entities.value(claim.metric, entities.records(gold_tags, reread))
    model_names = {j: str(id2label[alignment.model_index[j]]) for j in range(len(label_names))}
    if found <= current:
        return (f"label order: tried every one-to-one reading of the model's {len(label_names)} tags as the "
                f"dataset's; none scores better than the one used ({claim.metric} {current:.4f}): the label order "
                "does not explain the failure")  # fmt: skip
    shown = ", ".join(f"{model_names[j]} → {label_names[k]}" for j, k in enumerate(best) if k != j)
    meets = claim.tolerance is not None and claim.tolerance.admits(claimed=target, measured=found)
    verdict = "within the claim's tolerance of" if meets else "still short of (the order alone does not explain it)"
    return (f"label order: reading the model's tags as {shown} gives {claim.metric} {found:.4f} where the run "
            f"measured {current:.4f}, {verdict} the target {target:.4f}")  # fmt: skip


def _best_order(counts: np.ndarray) -> list[int]:
    """The one-to-one reading of model labels as dataset labels that agrees with the most examples."""
    size = len(counts)
    if size <= EXHAUSTIVE_LABELS:
        orders = itertools.permutations(range(size))
        return list(max(orders, key=lambda order: counts[np.arange(size), list(order)].sum()))
    from scipy.optimize import linear_sum_assignment

    _, columns = linear_sum_assignment(counts, maximize=True)  # a square matrix: rows come back as 0..size-1
    return [int(column) for column in columns]


def truncation(model_folder: Path, columns: Sequence[Sequence[str]], scores: np.ndarray, max_length: int | None,
               metric: str) -> str:  # fmt: skip
    """How many inputs were cut at ``max_length`` tokens (None: the tokenizer's), and the metric on the rest."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_folder)
    max_length = max_length or tokenizer.model_max_length
    lengths = [len(ids) for ids in tokenizer(*(list(c) for c in columns), truncation=False)["input_ids"]]
    cut = np.array([length > max_length for length in lengths])
    if not cut.any():
        return f"truncation: no input is longer than max_seq_length {max_length} tokens (longest: {max(lengths)})"
    rest = scores[~cut]
    on_rest = f"on the other {len(rest)} the {metric} is {rest.mean():.4f}" if len(rest) else "no example is uncut"
    return (
        f"truncation: {int(cut.sum())} of {len(cut)} examples are longer than max_seq_length {max_length} tokens "
        f"(longest: {max(lengths)}) and were cut; {on_rest}, on the cut ones {scores[cut].mean():.4f}"
    )


def answers(model_folder: Path, predictions: Sequence[str], claim: Claim) -> str:
    """How many predicted answers are empty, and how many reach ``max_answer_length`` tokens."""
    from transformers import AutoTokenizer

    longest = (claim.qa or QASettings()).max_answer_length
    tokenizer = AutoTokenizer.from_pretrained(model_folder)
    spoken = [p for p in predictions if p.strip()]
    lengths = [len(ids) for ids in tokenizer(spoken, add_special_tokens=False)["input_ids"]] if spoken else []
    at_limit = sum(length >= longest for length in lengths)
    empty = len(predictions) - len(spoken)
    return (
        f"answers: {empty} of {len(predictions)} ({empty / len(predictions):.1%}) are empty; {at_limit} "
        f"({at_limit / len(predictions):.1%}) reach max_answer_length {longest} tokens and may have been cut"
    )
