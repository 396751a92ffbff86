"""Check one claim on one backend end to end: resolve, read, load, run, score, judge."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.backends.base import BackendUnavailable, ModelRequest, load_predictor, unavailable_reason
from harness.data import read_split, stratified_sample
from harness.expected import ReplicaExpectations
from harness.hub import MODEL_SUPPORT_PATTERNS, TORCH_WEIGHT_FILES, HubLocation, Snapshot, resolve
from harness.registry import Claim
from harness.verdict import FAIL, PASS, Verdict

CLASSIFICATION_TASKS = ("text-classification", "text-pair-classification")


class NotSupported(RuntimeError):
    """The claim needs something this version of the harness does not do yet."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    location: HubLocation
    work_dir: Path
    limit: int | None = None
    seed: int = 0
    expectations: ReplicaExpectations | None = None


def model_files(claim: Claim, backend: str) -> tuple[list[str], list[list[str]]]:
    """The patterns to fetch and the files that must be present for ``claim`` on ``backend``."""
    weights = [claim.file] if claim.file else list(TORCH_WEIGHT_FILES)
    return [*MODEL_SUPPORT_PATTERNS, *weights], [["config.json"], weights]


def resolve_model(claim: Claim, backend: str, location: HubLocation) -> Snapshot:
    patterns, required = model_files(claim, backend)
    return resolve(
        claim.model.repo, location=location, revision=claim.model.revision, patterns=patterns, required=required
    )


def resolve_dataset(claim: Claim, location: HubLocation) -> Snapshot:
    ref = claim.dataset
    assert ref is not None, "checkable dataset claims always name a dataset"
    return resolve(
        ref.repo,
        location=location,
        revision=ref.revision,
        repo_type="dataset",
        patterns=[ref.files],
        required=[[ref.files]],
    )


def check(claim: Claim, backend: str, settings: Settings) -> Verdict:
    """Raises BackendUnavailable, NotSupported or ArtifactMissing when the claim cannot be run here."""
    reason = unavailable_reason(backend)
    if reason:
        raise BackendUnavailable(reason)
    if claim.task not in CLASSIFICATION_TASKS:
        raise NotSupported(f"task {claim.task!r} has no implementation in this version of harness")
    from transformers import AutoTokenizer

    from harness import engine
    from harness.tasks import classification

    model = resolve_model(claim, backend, settings.location)
    data = resolve_dataset(claim, settings.location)
    ref = claim.dataset
    split = read_split(data.matching(ref.files), inputs=ref.inputs, label=ref.label)
    indices = (
        stratified_sample(split.labels, limit=settings.limit, seed=settings.seed)
        if settings.limit
        else list(range(len(split)))
    )
    rows = split.take(indices)
    predictor = load_predictor(
        backend, ModelRequest(folder=model.path, task=claim.task, file=claim.file, work_dir=settings.work_dir)
    )
    common = dict(
        claim_id=claim.id,
        backend=backend,
        metric=claim.metric,
        claimed=claim.value,
        tolerance=claim.tolerance.describe(),
        n=len(rows),
        n_total=len(split),
        model=model.repo,
        model_revision=model.revision,
        dataset=f"{data.repo} {ref.config or ''}/{ref.split}".replace(" /", "/"),
        dataset_revision=data.revision,
        source=claim.source,
        mode="replica" if settings.expectations else "card",
    )
    try:
        alignment = classification.align(predictor.id2label, split.label_names)
    except classification.LabelMismatch as exc:
        return Verdict(status=FAIL, reason=str(exc), notes=(f"labels cannot be aligned: {exc}",), **common)
    tokenizer = AutoTokenizer.from_pretrained(model.path, local_files_only=True)
    max_length = claim.max_seq_length or tokenizer.model_max_length
    result = engine.run(predictor, classification.encode(tokenizer, rows, inputs=ref.inputs, max_length=max_length))
    measured = float(classification.scores(claim.metric, result.logits, rows.labels, alignment).mean())
    target = _target(claim, backend, settings, indices)
    passed = claim.tolerance.admits(claimed=target, measured=measured)
    return Verdict(
        status=PASS if passed else FAIL,
        target=target,
        measured=measured,
        notes=(alignment.note, f"{predictor.description}, max_seq_length {max_length}"),
        seconds=result.seconds,
        examples_per_second=len(rows) / result.seconds if result.seconds else None,
        **common,
    )


def _target(claim: Claim, backend: str, settings: Settings, indices: list[int]) -> float:
    if settings.expectations is None:
        return claim.value
    value = settings.expectations.value(claim.id, backend, indices)
    if value is None:
        raise NotSupported(
            f"the replica at {settings.expectations.root} has no reference value for {claim.id} on {backend}; "
            "rebuild it with `harness replica --out DIR`"
        )
    return value
