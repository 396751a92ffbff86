"""Run a predictor over encoded features: length-sorted batches, padding per batch, timed."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from harness.backends.base import Predictor


@dataclass(frozen=True, kw_only=True)
class Encoded:
    input_ids: Sequence[Sequence[int]]
    token_type_ids: Sequence[Sequence[int]] | None
    pad_id: int

    def __len__(self) -> int:
        return len(self.input_ids)


@dataclass(frozen=True, kw_only=True)
class RunResult:
    # One entry per model output, rows in the features' order: an array, or (per-token outputs) a
    # list of one array per feature.
    outputs: tuple[np.ndarray | list[np.ndarray], ...]
    seconds: float

    @property
    def logits(self) -> np.ndarray:
        return self.outputs[0]


# A batch holds at most MAX_ROWS features and MAX_TOKENS tokens, padding included.
MAX_TOKENS = 8192
MAX_ROWS = 128


def batches(lengths: Sequence[int], *, max_tokens: int, max_rows: int) -> list[list[int]]:
    """Group feature indices, longest first, so each batch pads to at most ``max_tokens`` tokens."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    groups: list[list[int]] = []
    current: list[int] = []
    for index in order:
        width = lengths[current[0]] if current else lengths[index]
        if current and (len(current) + 1) * width > max_tokens or len(current) == max_rows:
            groups.append(current)
            current = []
        current.append(index)
    if current:
        groups.append(current)
    return groups


def run(
    predictor: Predictor,
    features: Encoded,
    *,
    max_tokens: int = MAX_TOKENS,
    max_rows: int = MAX_ROWS,
    per_token: bool = False,
    on_batch: Callable[[int], object] | None = None,
) -> RunResult:
    """Outputs in the features' order; with ``per_token`` each row is cut back to its own length.

    ``on_batch`` is told how many features each finished batch held (for progress displays).
    """
    lengths = [len(ids) for ids in features.input_ids]
    collected: list = []
    start = time.perf_counter()
    for group in batches(lengths, max_tokens=max_tokens, max_rows=max_rows):
        outputs = predictor.logits(_pad(features, group))
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        if not collected:
            collected = [[None] * len(features) if per_token else np.empty((len(features), *o.shape[1:]), o.dtype)
                         for o in outputs]  # fmt: skip
        for target, output in zip(collected, outputs, strict=True):
            if per_token:
                for row, index in enumerate(group):
                    target[index] = output[row, : lengths[index]]
            else:
                target[group] = output
        if on_batch is not None:
            on_batch(len(group))
    seconds = time.perf_counter() - start
    return RunResult(outputs=tuple(collected), seconds=seconds)


def _pad(features: Encoded, group: Sequence[int]) -> dict[str, np.ndarray]:
    width = max(len(features.input_ids[i]) for i in group)
    ids = np.full((len(group), width), features.pad_id, dtype=np.int64)
    mask = np.zeros((len(group), width), dtype=np.int64)
    types = np.zeros((len(group), width), dtype=np.int64)
    for row, index in enumerate(group):
        sequence = features.input_ids[index]
        ids[row, : len(sequence)] = sequence
        mask[row, : len(sequence)] = 1
        if features.token_type_ids is not None:
            types[row, : len(sequence)] = features.token_type_ids[index]
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
