"""Deeper probes of a failed claim, asked for with ``--harness-diagnose``: each evaluates the model
again under one changed condition (sequence length, split, activation) and says what it found.

They cost a full evaluation each, so they run only when asked; the cheap probes (diagnosis.py)
run on every failure.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from harness.claims.model import Claim
from harness.data.splits import DataError, read_split
from harness.evaluation.context import Settings
from harness.evaluation.opening import sample
from harness.hub.resolve import Snapshot
from harness.measures import metrics

# The longest input the cards' encoders take: the probe's other sequence length.
LONGEST = 512
ACTIVATIONS = {"gelu": "relu", "relu": "gelu"}


def deeper(claim: Claim, backend: str, settings: Settings, model: Snapshot, data: Snapshot, rows_used: int,
           measured: float, predictions: Sequence[str]) -> tuple[str, ...]:  # fmt: skip
    """The ``diagnosis:`` lines of the probes that evaluate again; ``predictions`` are the run's."""
    lines = [other_length(claim, backend, settings, model, data, rows_used, measured)]
    lines += other_splits(claim, backend, settings, model, data, rows_used)
    lines.append(other_activation(claim, backend, settings, model, data, rows_used, predictions))
    return tuple(line for line in lines if line)


def _evaluate(claim: Claim, backend: str, settings: Settings, model: Snapshot, data: Snapshot, limit: int):
    from harness.evaluation.evaluate import evaluation_of

    split = read_split(data.matching(claim.dataset.files), inputs=claim.dataset.inputs, label=claim.dataset.label)
    indices = sample(claim, split, limit=limit if limit < len(split) else None, seed=settings.seed)
    evaluation, _ = evaluation_of(claim, backend, settings, model, data, indices, split.take(indices))
    return metrics.value_of(claim.metric, evaluation.scores), len(indices), evaluation.predictions


def other_length(claim, backend, settings, model, data, rows_used: int, measured: float) -> str:
    current = claim.max_seq_length or LONGEST
    other = LONGEST if current < LONGEST else 128
    value, n, _ = _evaluate(replace(claim, max_seq_length=other), backend, settings, model, data, rows_used)
    return (f"max_seq_length: at {other} instead of {current} tokens the {claim.metric} is {value:.4f} "
            f"(the run: {measured:.4f}), on {n} examples")  # fmt: skip


def other_splits(claim, backend, settings, model, data, rows_used: int) -> list[str]:
    """The claim's metric on each other split of the dataset config that the cache holds."""
    ref = claim.dataset
    folder = Path(ref.files).parent.as_posix()
    own = {p.name for p in data.matching(ref.files)}
    others = sorted({p.name.split("-")[0] for p in data.matching(f"{folder}/*.parquet") if p.name not in own})
    if not others:
        return [f"other splits: the cached dataset holds none beside {ref.split} in {folder}/ (fetch them to compare)"]
    lines = []
    for name in others:
        probe = replace(claim, dataset=replace(ref, split=name, files=f"{folder}/{name}-*.parquet"))
        try:
            value, n, _ = _evaluate(probe, backend, settings, model, data, rows_used)
        except DataError as exc:  # e.g. a test split whose labels are hidden (-1)
            lines.append(f"other splits: {name}: not evaluated ({exc})")
            continue
        lines.append(f"other splits: on {name} the {claim.metric} is {value:.4f}, on {n} examples")
    return lines


def other_activation(claim, backend, settings, model, data, rows_used: int, predictions: Sequence[str]) -> str | None:
    """The claim with the config's activation swapped (gelu and relu): does the config say how the
    model was trained?"""
    config = json.loads((model.path / "config.json").read_text(encoding="utf-8"))
    key = next((k for k in ("hidden_act", "activation") if config.get(k) in ACTIVATIONS), None)
    if key is None:
        return None
    if backend != "torch":
        return f"activation: not tried on {backend} (the activation is baked into the graph; run it on torch)"
    swapped = ACTIVATIONS[config[key]]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for item in model.path.iterdir():
            if item.name != "config.json":
                (folder / item.name).symlink_to(item.resolve())
        (folder / "config.json").write_text(json.dumps({**config, key: swapped}), encoding="utf-8")
        probe_model = replace(model, revision=f"{model.revision} with {key} {swapped}", path=folder)
        value, n, found = _evaluate(claim, backend, settings, probe_model, data, rows_used)
    changed = sum(a != b for a, b in zip(found, predictions, strict=True)) if len(found) == len(predictions) else None
    moved = "" if changed is None else f"; {changed} of {n} predictions change"
    was = config[key]
    return f"activation: with {key} {swapped} instead of {was} the {claim.metric} is {value:.4f} on {n} examples{moved}"
