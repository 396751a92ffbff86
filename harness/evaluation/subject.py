"""A claim's model loaded on a backend, answering inputs end to end: what benchmarks time and
contracts probe."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.backends.base import Predictor, require
from harness.claims.model import Claim
from harness.data.splits import Split
from harness.evaluation.context import Settings
from harness.evaluation.opening import open_model, open_split, resolve_model
from harness.hub.resolve import Snapshot
from harness.tasks import task_of
from harness.tasks.base import Task


@dataclass(frozen=True, kw_only=True, repr=False)
class Subject:
    claim: Claim
    backend: str
    model: Snapshot
    predictor: Predictor
    tokenizer: Any
    max_length: int
    dataset_labels: tuple[str, ...] | None = None  # the label names of the claim's dataset, if it has any

    def __repr__(self) -> str:  # hypothesis prints it with every failing example: keep it short
        return f"Subject({self.model.repo} @ {self.model.revision} on {self.backend})"

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # hypothesis' printer would list every field
        printer.text(repr(self))

    @property
    def task(self) -> Task:
        return task_of(self.claim.task)

    @property
    def classifies(self) -> bool:
        return self.task.labelled

    @property
    def labels(self) -> list[str]:
        """The model's label names in index order: the card's ``labels:`` where it states them, else
        the config's, as text (a config may hold numbers)."""
        if self.claim.model.labels is not None:
            return list(self.claim.model.labels)
        return [str(self.predictor.id2label[i]) for i in sorted(self.predictor.id2label)]

    def label_of(self, index: int) -> str:
        """What the model's output ``index`` means, as the claim's evaluation reads it: the dataset's
        label it is aligned with (by name, or by index where the config names none)."""
        if not self.dataset_labels:
            return self.labels[index]
        from harness.tasks.classification import align

        alignment = align(self.predictor.id2label, self.dataset_labels, card_labels=self.claim.model.labels)
        return self.dataset_labels[alignment.model_index.index(index)]

    def token_counts(self, *columns: Sequence[str]) -> list[int]:
        encoded = self.tokenizer(*(list(c) for c in columns), truncation=True, max_length=self.max_length)
        return [len(ids) for ids in encoded["input_ids"]]

    def logits(self, *columns: Sequence[str], max_length: int | None = None, as_one_batch: bool = False) -> np.ndarray:
        """Classification logits for rows of text (one column, or two for pairs), in input order;
        inputs are cut at ``max_length`` tokens (default: the claim's sequence length).

        The engine batches rows as it does in an evaluation; ``as_one_batch`` runs them in one
        forward pass instead, each padded to the longest (what a padding contract needs)."""
        return self.outputs(*columns, max_length=max_length, as_one_batch=as_one_batch)[0]

    def outputs(
        self, *columns: Sequence[str], max_length: int | None = None, as_one_batch: bool = False
    ) -> tuple[np.ndarray | list[np.ndarray], ...]:
        """The model's raw outputs for rows of text: logits, or per-window start and end logits (QA)."""
        return self.task.outputs(self, columns, max_length=max_length or self.max_length, as_one_batch=as_one_batch)

    def answers(self, questions: Sequence[str], contexts: Sequence[str], *, as_one_batch: bool = False) -> list[str]:
        """Extractive QA: each question's answer text, taken from its context (``as_one_batch`` as for logits)."""
        from harness.tasks import qa

        found = qa.answer(
            self.tokenizer, self.predictor, questions, contexts, max_length=self.max_length, settings=self.claim.qa,
            as_one_batch=as_one_batch,
        )  # fmt: skip
        return found.texts

    def answered(self, questions: Sequence[str], contexts: Sequence[str]) -> tuple[Any, Any]:
        """Extractive QA's windows, and the answers with the tokens and raw logits they were chosen from."""
        from harness.tasks import qa

        found = qa.features(self.tokenizer, questions, contexts, max_length=self.max_length, settings=self.claim.qa)
        return found, qa.answer_features(found, self.predictor, contexts, settings=self.claim.qa)

    def tags(self, texts: Sequence[str], *, as_one_batch: bool = False) -> list[list[str]]:
        """Token classification: each text's white-space words tagged, with the model's own tag names."""
        return self.task.tag_texts(self, texts, as_one_batch=as_one_batch)

    def respond(self, *columns: Sequence[str]) -> object:
        """What a user of the model gets: predicted labels, or answer texts."""
        return self.task.respond(self, columns)


def open_subject(claim: Claim, backend: str, settings: Settings, *, split: Split | None = None) -> Subject:
    """Raises BackendUnavailable, ArtifactMissing, or PickleRefused for an unpinned pickle.

    ``split`` is the claim's split when the caller has read it already (its label names are kept).
    """
    require(backend)
    model = resolve_model(claim, settings.location)
    labels = None
    if task_of(claim.task).aligns_labels and claim.dataset is not None:
        labels = (split or open_split(claim, settings)[1]).label_names
    predictor, tokenizer, max_length = open_model(claim, backend, model, settings)
    return Subject(
        claim=claim, backend=backend, model=model, predictor=predictor, tokenizer=tokenizer, max_length=max_length,
        dataset_labels=labels,
    )  # fmt: skip
