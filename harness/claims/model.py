"""What a card claims, as data: the model, the dataset, the figure, its tolerance, and the registry of claims."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.claims.schema import CardError
from harness.claims.vocabulary import SUITE_OF_METRIC


@dataclass(frozen=True, kw_only=True)
class ModelRef:
    repo: str
    revision: str | None
    formerly: tuple[str, ...] = ()
    architecture: Mapping[str, int] = field(default_factory=dict)
    lowercase: bool = False  # the card says the model is uncased: "English" and "english" are one input
    quantized_from: str | None = None  # the repo of the FP32 model this one was quantized from
    pipeline_tag: str | None = None  # the use the card states, as the Hub's pipeline tag names it
    # The model's label names in index order, as the card states them: for a config whose id2label
    # holds only numbers. Alignment checks them against the dataset's ClassLabel names.
    labels: tuple[str, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class DatasetRef:
    repo: str
    revision: str | None
    config: str | None
    split: str
    files: str
    inputs: tuple[str, ...]
    label: str
    size: int | None = None

    def describe(self, repo: str | None = None) -> str:
        """"repo config/split" as reports show it (``repo``: the snapshot's, where it was renamed)."""
        return f"{repo or self.repo} {self.config or ''}/{self.split}".replace(" /", "/")


@dataclass(frozen=True, kw_only=True)
class Tolerance:
    amount: float
    bound: str = "two-sided"

    def admits(self, *, claimed: float, measured: float) -> bool:
        # A hair of slack so that a value exactly on the edge is not failed by float rounding.
        slack = self.amount + 1e-12
        if self.bound == "at-least":
            return measured >= claimed - slack
        if self.bound == "at-most":
            return measured <= claimed + slack
        return abs(measured - claimed) <= slack

    def describe(self) -> str:
        sign = {"two-sided": "±", "at-least": "-", "at-most": "+"}[self.bound]
        return f"{sign}{self.amount:g} ({self.bound})"


@dataclass(frozen=True, kw_only=True)
class QASettings:
    """How extractive QA windows contexts and picks answers (BERT's SQuAD defaults)."""

    doc_stride: int = 128
    max_query_length: int = 64
    n_best: int = 20
    max_answer_length: int = 30


@dataclass(frozen=True, kw_only=True)
class Baseline:
    """What a ratio claim is measured against: a model of the same card on a backend."""

    model: ModelRef
    backend: str
    file: str | None = None


@dataclass(frozen=True, kw_only=True)
class Relative:
    """A claim judged against another model of the card on the same rows, not against a printed figure:
    at least ``recovery`` times the baseline's value, or at most ``max_drop`` below it."""

    baseline: Baseline
    recovery: float | None = None
    max_drop: float | None = None

    def describe(self) -> str:
        file = f" ({self.baseline.file})" if self.baseline.file else ""
        rule = f"at least {self.recovery:g} × " if self.recovery is not None else f"at most {self.max_drop:g} below "
        return f"{rule}{self.baseline.model.repo}{file} on {self.baseline.backend}, on the same rows"


@dataclass(frozen=True, kw_only=True)
class Claim:
    id: str
    card: str
    card_file: str
    model: ModelRef
    dataset: DatasetRef | None
    task: str
    metric: str
    value: float | None
    tolerance: Tolerance | None
    backends: tuple[str, ...]
    file: str | None
    max_seq_length: int | None
    source: str
    checkable: bool
    reason: str | None
    qa: QASettings | None = None
    baseline: Baseline | None = None
    relative: Relative | None = None  # judged against a baseline model on the same rows, not ``value``
    # Where an imported claim came from: the source kind, the card's revision, the entry or line, the
    # value as printed and how it was read; None for a hand-written claim.
    provenance: Mapping[str, Any] | None = None
    verified: bool = False  # the card marks the figure as verified by the Hub's evaluation service

    @property
    def suite(self) -> str:
        return SUITE_OF_METRIC.get(self.metric, "accuracy")  # a not-checkable claim may name any metric


@dataclass(frozen=True)
class Registry:
    claims: tuple[Claim, ...]

    def select(
        self,
        *,
        suite: str | None = None,
        models: Iterable[str] = (),
        checkable: bool | None = None,
    ) -> list[Claim]:
        wanted = set(models)
        if wanted:
            self.check_models(wanted)
        return [
            claim
            for claim in self.claims
            if (suite is None or claim.suite == suite)
            and (not wanted or claim.model.repo in wanted)
            and (checkable is None or claim.checkable == checkable)
        ]

    def check_models(self, repos: Iterable[str]) -> None:
        known = sorted({c.model.repo for c in self.claims})
        for repo in repos:
            if repo not in known:
                hint = difflib.get_close_matches(repo, known, n=1)
                did_you_mean = f" Did you mean {hint[0]!r}?" if hint else ""
                raise CardError(
                    f"no card claims anything about model {repo!r}.{did_you_mean} "
                    f"Models with claims: {', '.join(known)}."
                )

    def by_id(self, claim_id: str) -> Claim:
        for claim in self.claims:
            if claim.id == claim_id:
                return claim
        raise KeyError(claim_id)

