"""The role every task plays: rows to model inputs, a predictor's outputs to per-example scores."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np

    from harness.backends.base import Predictor
    from harness.claims.model import Claim
    from harness.data.splits import Split
    from harness.engine.batching import Shards

# progress(total) -> the callback told how many inputs each batch finished, or None
Progress = Callable[[int], Callable[[int], object] | None]


@dataclass(frozen=True, kw_only=True)
class Predicted:
    scores: np.ndarray  # per example; the claim's metric is their mean
    predictions: list[str]  # per example: the predicted label's name, or the answer text
    notes: tuple[str, ...]  # how outputs were read (label alignment, windows)
    features: int  # model inputs run: one per example, or several windows per question


class Task(Protocol):
    name: str
    text_columns: int  # the text inputs a row has (a pair, a question and its context: 2)
    metrics: tuple[str, ...]  # what `harness eval` reports, the first evaluated, the others rescored
    # `harness eval`'s input and label columns where the dataset's schema cannot tell (None: it can)
    default_columns: tuple[tuple[str, ...], str] | None
    labelled: bool  # rows carry a class label: samples keep each label's share, outputs are logits per label
    aligns_labels: bool  # the model's label names are matched with the dataset's (a class, or a tag per word)
    example_metric: str  # the metric whose per-example scores say right or wrong (parity counts them)
    windowed: bool  # long inputs are read in overlapping windows: nothing is cut
    throughput_examples: int  # examples per throughput round at the cards' dimensions
    features_type: Any  # what encode returns, with to_arrays / from_arrays for the feature cache

    def encode(self, tokenizer, rows: Split, *, claim: Claim, max_length: int) -> Any:
        """The model inputs for ``rows`` (tokenized, windowed where the task does)."""

    def predict(
        self, predictor: Predictor, encoded: Any, rows: Split, *, claim: Claim, progress: Progress,
        shards: Shards | None,
    ) -> Predicted:  # fmt: skip
        """Run ``predictor`` over ``encoded`` and score each row of ``rows`` by the claim's metric."""

    def outputs(self, subject: Any, columns: Sequence[Sequence[str]], *, max_length: int, as_one_batch: bool) -> Any:
        """The model's raw outputs for rows of text (logits, or per-window start and end logits)."""

    def respond(self, subject: Any, columns: Sequence[Sequence[str]]) -> object:
        """What a user of the model gets for rows of text: predicted labels, or answer texts."""

    def same_prediction(self, mine: str, theirs: str) -> bool:
        """Whether two runs predicted the same for one example."""

    def claim_fields(self) -> dict[str, Any]:
        """Settings an ad hoc claim of this task needs beyond the common ones (QA's windowing)."""

    def references(self, rows: Split) -> list[Any]:
        """Each row's reference in words, beside the prediction in a predictions file."""

    def rescore(self, metric: str, predictions: Sequence[str], rows: Split) -> np.ndarray:
        """Per-example scores of another of ``metrics`` from the predictions already made."""

    def prediction_record(self, rows: Split, position: int, prediction: str, reference: Any) -> dict[str, Any]:
        """One example of `harness eval`'s predictions file, beside its index: what was predicted, against what."""
