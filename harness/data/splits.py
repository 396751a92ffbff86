"""Read a dataset split from its parquet files: the input columns, the labels and their names."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


class DataError(ValueError):
    """The dataset files do not have the shape the card describes."""


@dataclass(frozen=True, kw_only=True)
class Split:
    inputs: dict[str, list[Any]]
    labels: list[Any]
    label_names: tuple[str, ...] | None  # None: the label column carries no names
    files: tuple[Path, ...]

    def __len__(self) -> int:
        return len(self.labels)

    def take(self, indices: Sequence[int]) -> Split:
        return Split(
            inputs={name: [column[i] for i in indices] for name, column in self.inputs.items()},
            labels=[self.labels[i] for i in indices],
            label_names=self.label_names,
            files=self.files,
        )


def read_split(files: Sequence[Path], *, inputs: Sequence[str], label: str, cache_dir: Path | None = None) -> Split:
    """Read the split with ``datasets``' parquet builder, which works the same online and offline."""
    if not files:
        raise DataError("no parquet file matched the card's file pattern.")
    import datasets

    datasets.disable_progress_bars()
    table = datasets.load_dataset(
        "parquet",
        data_files=[str(f) for f in files],
        split="train",
        cache_dir=None if cache_dir is None else str(cache_dir),
    )
    wanted = [*inputs, label]
    absent = [c for c in wanted if c not in table.column_names]
    if absent:
        raise DataError(
            f"{', '.join(map(str, files))}: no column {', '.join(map(repr, absent))}; "
            f"the files have {', '.join(table.column_names)}. Fix 'inputs' / 'label' in the card."
        )
    feature = table.features[label]
    # A tag per word (token classification) is a list of ClassLabel: its names are the inner feature's.
    inner = getattr(feature, "feature", None)
    per_word = isinstance(inner, datasets.ClassLabel)
    named = inner if per_word else feature
    names = tuple(named.names) if isinstance(named, datasets.ClassLabel) else None
    labels = table[label]
    if names is not None:
        values = (v for row in labels for v in row) if per_word else labels
        bad = sorted({v for v in values if not 0 <= v < len(names)})
        if bad:
            raise DataError(
                f"{files[0]}: label column {label!r} holds {bad[:5]} outside 0..{len(names) - 1}; "
                "this looks like a test split without labels. Name the split that has them."
            )
    return Split(
        inputs={name: table[name] for name in inputs},
        labels=labels,
        label_names=names,
        files=tuple(files),
    )


def stratified_sample(labels: Sequence[Any], *, limit: int, seed: int) -> list[int]:
    """Pick ``limit`` row indices, each label keeping its share, reproducibly for a seed.

    Returned in ascending order so a sample reads like a prefix-free subset of the split.
    """
    if limit >= len(labels):
        return list(range(len(labels)))
    rng = np.random.default_rng(seed)
    by_label: dict[Any, list[int]] = defaultdict(list)
    for index, value in enumerate(labels):
        by_label[_hashable(value)].append(index)
    groups = sorted(by_label.values(), key=lambda rows: rows[0])
    quotas = _largest_remainder([len(rows) for rows in groups], limit)
    chosen: list[int] = []
    for rows, quota in zip(groups, quotas, strict=True):
        chosen.extend(rng.choice(rows, size=quota, replace=False).tolist())
    return sorted(chosen)


def _largest_remainder(sizes: Sequence[int], total: int) -> list[int]:
    whole = sum(sizes)
    exact = [size * total / whole for size in sizes]
    quotas = [int(x) for x in exact]
    by_remainder = sorted(range(len(sizes)), key=lambda i: exact[i] - quotas[i], reverse=True)
    for i in by_remainder[: total - sum(quotas)]:
        quotas[i] += 1
    return quotas


def _hashable(value: Any) -> Any:
    return repr(value) if isinstance(value, (dict, list)) else value


def random_sample(count: int, *, limit: int, seed: int) -> list[int]:
    """Pick ``limit`` of ``count`` row indices uniformly, reproducibly for a seed, in ascending order."""
    if limit >= count:
        return list(range(count))
    return sorted(np.random.default_rng(seed).choice(count, size=limit, replace=False).tolist())
