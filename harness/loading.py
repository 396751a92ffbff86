"""Resolve and open what a claim reads: its model snapshot and predictor, its dataset split."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.backends.base import ModelRequest, Predictor, load_predictor, vet
from harness.data import Split, random_sample, read_split, stratified_sample
from harness.expected import ReplicaExpectations
from harness.feature_cache import FeatureCache
from harness.hub import MODEL_SUPPORT_PATTERNS, TORCH_WEIGHT_FILES, HubLocation, Snapshot, resolve
from harness.prediction_cache import PredictionCache
from harness.registry import Claim

CLASSIFICATION_TASKS = ("text-classification", "text-pair-classification")


class NotSupported(RuntimeError):
    """The claim needs something this version of the harness does not do yet."""


class NotApplicable(RuntimeError):
    """The check does not apply to this target at all (not a gap of this machine): skipped, strict or not."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    location: HubLocation
    work_dir: Path
    limit: int | None = None
    seed: int = 0
    diagnose: bool = False  # on a failure, evaluate again to find why (--harness-diagnose)
    expectations: ReplicaExpectations | None = None
    allow_pickle: bool = False
    # progress(description, total) -> a display with update(n) and close(); None shows nothing
    progress: Callable[[str, int], Any] | None = None
    cache: PredictionCache | None = None  # per-example results of earlier runs; None computes everything
    features: FeatureCache | None = None  # tokenized splits of earlier runs; None tokenizes every time
    threads: int | None = None  # intra-op threads of every backend; None: the runtimes' own defaults
    built: frozenset[str] = frozenset()  # digests of files this harness built (trust.built), never a folder's say

    @property
    def trusted_sha256(self) -> frozenset[str]:
        """Files whose full unpickling is allowed: those this harness built, those the lock pins."""
        return self.built | (self.location.lock.trusted_sha256 if self.location.lock else frozenset())


def model_files(claim: Claim) -> tuple[list[str], list[list[str]]]:
    """The patterns to fetch and the files that must be present for ``claim``."""
    weights = [claim.file] if claim.file else list(TORCH_WEIGHT_FILES)
    return [*MODEL_SUPPORT_PATTERNS, *weights], [["config.json"], weights]


def resolve_model(claim: Claim, location: HubLocation) -> Snapshot:
    patterns, required = model_files(claim)
    return resolve(
        claim.model.repo, location=location, revision=claim.model.revision, patterns=patterns, required=required
    )


def resolve_dataset(claim: Claim, location: HubLocation) -> Snapshot:
    ref = claim.dataset
    assert ref is not None, "checkable dataset claims always name a dataset"
    pattern = [ref.files]
    return resolve(
        ref.repo, location=location, revision=ref.revision, repo_type="dataset", patterns=pattern, required=[pattern]
    )


def sample(claim: Claim, split: Split, *, limit: int | None, seed: int) -> list[int]:
    """Classification samples keep each label's share; QA samples questions, never windows."""
    if not limit:
        return list(range(len(split)))
    if claim.task in CLASSIFICATION_TASKS:
        return stratified_sample(split.labels, limit=limit, seed=seed)
    return random_sample(len(split), limit=limit, seed=seed)


def open_split(claim: Claim, settings: Settings) -> tuple[Snapshot, Split]:
    """The claim's dataset split, resolved and read."""
    data = resolve_dataset(claim, settings.location)
    ref = claim.dataset
    return data, read_split(data.matching(ref.files), inputs=ref.inputs, label=ref.label)


def model_request(claim: Claim, model: Snapshot, settings: Settings) -> ModelRequest:
    return ModelRequest(
        folder=model.path, task=claim.task, file=claim.file, work_dir=settings.work_dir,
        trusted_sha256=settings.trusted_sha256, allow_pickle=settings.allow_pickle, threads=settings.threads,
    )  # fmt: skip


def vet_model(claim: Claim, backend: str, model: Snapshot, settings: Settings) -> None:
    """Raise PickleRefused for a checkpoint the backend may not load, before a cached result of an
    earlier run (perhaps one with --harness-allow-pickle) could stand in for loading it."""
    vet(backend, model_request(claim, model, settings))


def open_model(claim: Claim, backend: str, model: Snapshot, settings: Settings) -> tuple[Predictor, Any, int]:
    """The predictor, its tokenizer and the sequence length the claim was measured at.

    Raises PickleRefused for a checkpoint that needs an unpinned full unpickle.
    """
    from transformers import AutoTokenizer

    predictor = load_predictor(backend, model_request(claim, model, settings))
    tokenizer = AutoTokenizer.from_pretrained(model.path, local_files_only=True)
    return predictor, tokenizer, claim.max_seq_length or tokenizer.model_max_length
