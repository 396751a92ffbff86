"""Resolve and open what a claim reads: its model snapshot and predictor, its dataset split."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.backends.base import ModelRequest, Predictor, load_predictor, vet
from harness.claims.model import Claim
from harness.claims.vocabulary import MODEL_SUPPORT_PATTERNS, TORCH_WEIGHT_FILES
from harness.data.splits import Split, random_sample, read_split, stratified_sample
from harness.engine.budget import fit_to_device
from harness.evaluation.context import Settings
from harness.hub.resolve import HubLocation, Snapshot, resolve
from harness.tasks import task_of


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
    if task_of(claim.task).labelled:
        return stratified_sample(split.labels, limit=limit, seed=seed)
    return random_sample(len(split), limit=limit, seed=seed)


def open_split(claim: Claim, settings: Settings) -> tuple[Snapshot, Split]:
    """The claim's dataset split, resolved and read."""
    data = resolve_dataset(claim, settings.location)
    ref = claim.dataset
    return data, read_split(data.matching(ref.files), inputs=ref.inputs, label=ref.label)


def model_request(
    claim: Claim, backend: str, model: Snapshot, settings: Settings, *, folder: Path | None = None
) -> ModelRequest:
    """Raises DeviceMissing when ``backend`` cannot run on the device the run asked for. ``folder``: what
    the backend loads when it is not the snapshot itself (an artifact the harness derived from it)."""
    from harness.backends.devices import settle

    return ModelRequest(
        folder=folder or model.path, task=claim.task, file=claim.file, work_dir=settings.work_dir,
        trusted_sha256=settings.trusted_sha256, allow_pickle=settings.allow_pickle, threads=settings.threads,
        device=settle(settings.device, backend).name,
    )  # fmt: skip


def vet_model(claim: Claim, backend: str, model: Snapshot, settings: Settings) -> None:
    """Raise PickleRefused for a checkpoint the backend may not load, before a cached result of an
    earlier run (perhaps one with --harness-allow-pickle) could stand in for loading it."""
    vet(backend, model_request(claim, backend, model, settings))


def open_model(
    claim: Claim, backend: str, model: Snapshot, settings: Settings, *, folder: Path | None = None
) -> tuple[Predictor, Any, int]:
    """The predictor, its tokenizer (always the snapshot's) and the sequence length the claim was
    measured at; ``folder`` as model_request's.

    Raises PickleRefused for a checkpoint that needs an unpinned full unpickle.
    """
    from transformers import AutoTokenizer

    request = model_request(claim, backend, model, settings, folder=folder)
    predictor = load_predictor(backend, request)
    fit_to_device(predictor, request.device)  # a GPU's batch size, measured there; the CPU keeps its own
    tokenizer = AutoTokenizer.from_pretrained(model.path, local_files_only=True)
    return predictor, tokenizer, claim.max_seq_length or tokenizer.model_max_length

