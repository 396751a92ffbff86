"""One result as a card states it, before it is mapped to a claim: what each source reader returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, kw_only=True)
class RawDataset:
    """A dataset as the card names it: a Hub id (possibly a legacy one), a config, a split."""

    id: str | None = None
    name: str | None = None
    config: str | None = None
    split: str | None = None
    revision: str | None = None
    inferred_from: str | None = None  # where the id came from when the result itself names none


@dataclass(frozen=True, kw_only=True)
class Found:
    kind: str  # the source: "model-index", "eval-results", "trainer-text", "table"
    at: str  # the entry or line it came from, e.g. "model-index[0].results[1].metrics[0]", "README.md line 42"
    metric: str  # the metric's name as printed
    value: Any  # as printed: a number or a string such as "90.37" or "90.37%"
    task: str | None = None  # the task type as printed
    dataset: RawDataset | None = None
    verified: bool = False
    column: str | None = None  # a table column's header, naming a format or backend ("ONNX INT8", "FP32")
    evaluation_set: bool = False  # the Trainer's list: its figures are on the evaluation set, whatever a split says


class CardImportError(ValueError):
    """The card cannot be read at all (no text, broken YAML, a block of the wrong shape); says where and why."""
