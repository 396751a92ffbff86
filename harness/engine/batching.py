"""Run a predictor over encoded features: length-sorted batches, padding per batch, timed."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from harness.backends.base import Predictor


@dataclass(frozen=True, kw_only=True)
class Encoded:
    """Token ids of many features, of varying lengths, in flat arrays (ragged rows).

    Row ``i`` is ``ids[starts[i]:starts[i + 1]]``. Four bytes a token, where Python's lists of ints
    take about ten times that: a full split stays small, and padded tensors exist one batch at a time.
    """

    ids: np.ndarray  # int32, every feature's tokens one after another
    starts: np.ndarray  # int64, len(features) + 1 offsets into ids
    types: np.ndarray | None  # int8 token type per token, or None when the tokenizer gives none
    pad_id: int

    @classmethod
    def from_lists(
        cls, input_ids: Sequence[Sequence[int]], token_type_ids: Sequence[Sequence[int]] | None = None, *, pad_id: int
    ) -> Encoded:
        starts = np.zeros(len(input_ids) + 1, dtype=np.int64)
        np.cumsum([len(row) for row in input_ids], out=starts[1:])
        ids = np.fromiter(itertools.chain.from_iterable(input_ids), dtype=np.int32, count=int(starts[-1]))
        types = None
        if token_type_ids is not None:
            types = np.fromiter(itertools.chain.from_iterable(token_type_ids), dtype=np.int8, count=int(starts[-1]))
        return cls(ids=ids, starts=starts, types=types, pad_id=pad_id)

    def to_arrays(self) -> dict[str, np.ndarray]:
        arrays = {"ids": self.ids, "starts": self.starts, "pad_id": np.array(self.pad_id)}
        return arrays if self.types is None else {**arrays, "types": self.types}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Encoded:
        """Raises ValueError when the arrays do not describe one set of ragged rows."""
        ids, starts, types = arrays["ids"], arrays["starts"], arrays.get("types")
        bounded = starts.ndim == 1 and len(starts) > 0 and starts[0] == 0 and starts[-1] == len(ids)
        if not bounded or (np.diff(starts) < 0).any():
            raise ValueError("row offsets do not fit the token array")
        if types is not None and len(types) != len(ids):
            raise ValueError("token types and token ids differ in length")
        return cls(ids=ids, starts=starts, types=types, pad_id=int(arrays["pad_id"]))

    def __len__(self) -> int:
        return len(self.starts) - 1

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.starts)

    def row(self, index: int) -> np.ndarray:
        return self.ids[self.starts[index] : self.starts[index + 1]]

    def types_of(self, index: int) -> np.ndarray | None:
        return None if self.types is None else self.types[self.starts[index] : self.starts[index + 1]]


@dataclass(frozen=True, kw_only=True)
class RunResult:
    # One entry per model output, rows in the features' order: an array, or (per-token outputs) a
    # list of one array per feature.
    outputs: tuple[np.ndarray | list[np.ndarray], ...]
    seconds: float

    @property
    def logits(self) -> np.ndarray:
        return self.outputs[0]


# A batch holds at most MAX_ROWS features and MAX_TOKENS tokens, padding included. Within those
# bounds the batches minimize the work they cost: every token computed, padding included, plus
# BATCH_OVERHEAD_TOKENS for each forward pass (what a call costs beyond its tokens: the runtime's
# fixed work and a small batch's less efficient matrix products; about 50-80 tokens' worth for a
# DistilBERT-base on 2 cores, where one token costs ~0.28 ms).
MAX_TOKENS = 8192
MAX_ROWS = 128
BATCH_OVERHEAD_TOKENS = 64


def batches(
    lengths: Sequence[int], *, max_tokens: int = MAX_TOKENS, max_rows: int = MAX_ROWS,
    overhead: int = BATCH_OVERHEAD_TOKENS,
) -> list[list[int]]:  # fmt: skip
    """Group feature indices, longest first, into the batches of least cost.

    A batch is a run of the length-sorted features (so it pads to its first row's length); the
    cheapest split into runs is found by dynamic programming over the sorted order: ``cost[i]``,
    the least cost of the first ``i`` features, is the least ``cost[j] + overhead + (i - j) *
    width[j]`` over the batches ``j..i`` that fit the bounds.
    """
    order = np.array(sorted(range(len(lengths)), key=lambda i: (-lengths[i], i)), dtype=np.int64)
    width = np.asarray(lengths, dtype=np.int64)[order] if len(order) else np.zeros(0, dtype=np.int64)
    cost = np.zeros(len(order) + 1)
    cut = np.zeros(len(order) + 1, dtype=np.int64)
    for end in range(1, len(order) + 1):
        first = np.arange(max(0, end - max_rows), end)
        rows = end - first
        fits = (rows * width[first] <= max_tokens) | (rows == 1)
        total = np.where(fits, cost[first] + overhead + rows * width[first], np.inf)
        best = int(np.argmin(total))
        cost[end], cut[end] = total[best], first[best]
    groups: list[list[int]] = []
    end = len(order)
    while end > 0:
        groups.append(order[cut[end] : end].tolist())
        end = int(cut[end])
    return groups[::-1]


def run(
    predictor: Predictor,
    features: Encoded,
    *,
    max_tokens: int | None = None,
    max_rows: int | None = None,
    per_token: bool = False,
    on_batch: Callable[[int], object] | None = None,
    as_one_batch: bool = False,
    shards: Shards | None = None,
) -> RunResult:
    """Outputs in the features' order; with ``per_token`` each row is cut back to its own length.

    The batch bounds are the predictor's ``token_budget`` where one was measured for its device
    (engine.budget), else MAX_TOKENS and MAX_ROWS.
    ``on_batch`` is told how many features each finished batch held (for progress displays).
    ``as_one_batch`` runs every feature in one forward pass, padded to the longest: for a caller
    that chooses the batch itself (a contract that pads short rows on purpose). With ``shards``
    (ranks of a torch.distributed group) this rank runs only its share of the batches, balanced by
    the tokens they compute, and every rank gets all outputs back in order.
    """
    budget = getattr(predictor, "token_budget", None)  # measured on a GPU by engine.budget; else the CPU's
    max_tokens = max_tokens or (budget.tokens if budget else MAX_TOKENS)
    max_rows = max_rows or (budget.rows if budget else MAX_ROWS)
    counts = features.lengths
    lengths = counts.tolist()
    start = time.perf_counter()
    groups = [list(range(len(lengths)))] if as_one_batch else batches(lengths, max_tokens=max_tokens, max_rows=max_rows)
    if shards is not None and shards.world > 1:
        from harness.engine.distributed import assign

        owners = assign([BATCH_OVERHEAD_TOKENS + len(g) * int(counts[g].max()) for g in groups], shards.world)
        groups = [g for g, owner in zip(groups, owners, strict=True) if owner == shards.rank]
    done: list[tuple[list[int], tuple[np.ndarray, ...]]] = []
    for group in groups:
        outputs = predictor.logits(_pad(features, group, counts))
        done.append((group, outputs if isinstance(outputs, tuple) else (outputs,)))
        if on_batch is not None:
            on_batch(len(group))
    if shards is not None and shards.world > 1:
        done = [item for part in shards.all_gather(done, what="the engine's outputs") for item in part]
    collected: list = []
    for group, outputs in done:
        if not collected:
            collected = [[None] * len(features) if per_token else np.empty((len(features), *o.shape[1:]), o.dtype)
                         for o in outputs]  # fmt: skip
        for target, output in zip(collected, outputs, strict=True):
            if per_token:
                for row, index in enumerate(group):
                    target[index] = output[row, : lengths[index]]
            else:
                target[group] = output
    seconds = time.perf_counter() - start
    return RunResult(outputs=tuple(collected), seconds=seconds)


class Shards(Protocol):
    """Ranks that split a run's batches (harness.distributed.Group is one)."""

    rank: int
    world: int

    def all_gather(self, value: object, *, what: str) -> list[object]: ...


def _pad(features: Encoded, group: Sequence[int], counts: np.ndarray) -> dict[str, np.ndarray]:
    lengths = counts[group]
    width = int(lengths.max())
    mask = np.arange(width) < lengths[:, None]
    # Each row's tokens, gathered from the flat arrays in one step: position j of row r is
    # ids[starts[r] + j] where j < its length.
    where = (features.starts[group][:, None] + np.arange(width))[mask]
    ids = np.full((len(group), width), features.pad_id, dtype=np.int64)
    ids[mask] = features.ids[where]
    types = np.zeros((len(group), width), dtype=np.int64)
    if features.types is not None:
        types[mask] = features.types[where]
    return {"input_ids": ids, "attention_mask": mask.astype(np.int64), "token_type_ids": types}
