"""Check one claim on one backend end to end: resolve, read, load, run, score, judge."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from harness.backends.base import (
    BackendUnavailable,
    ModelRequest,
    PickleRefused,
    Predictor,
    load_predictor,
    unavailable_reason,
)
from harness.data import Split, random_sample, read_split, stratified_sample
from harness.expected import ReplicaExpectations
from harness.hub import MODEL_SUPPORT_PATTERNS, TORCH_WEIGHT_FILES, HubLocation, Snapshot, resolve
from harness.registry import Claim
from harness.verdict import FAIL, PASS, Verdict

CLASSIFICATION_TASKS = ("text-classification", "text-pair-classification")
TASKS = (*CLASSIFICATION_TASKS, "question-answering")


class NotSupported(RuntimeError):
    """The claim needs something this version of the harness does not do yet."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    location: HubLocation
    work_dir: Path
    limit: int | None = None
    seed: int = 0
    expectations: ReplicaExpectations | None = None
    allow_pickle: bool = False
    # progress(description, total) -> a display with update(n) and close(); None shows nothing
    progress: Callable[[str, int], Any] | None = None

    @property
    def trusted_sha256(self) -> frozenset[str]:
        """Files whose full unpickling is allowed: those the replica built (the lock joins later)."""
        return self.expectations.built_sha256 if self.expectations else frozenset()


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    scores: np.ndarray  # per example; the claim's metric is their mean
    notes: tuple[str, ...]
    seconds: float
    features: int


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


def check(claim: Claim, backend: str, settings: Settings) -> Verdict:
    """Raises BackendUnavailable, NotSupported or ArtifactMissing when the claim cannot be run here.

    A checkpoint the backend refuses to load (an unpinned pickle) fails the claim.
    """
    reason = unavailable_reason(backend)
    if reason:
        raise BackendUnavailable(reason)
    if claim.task not in TASKS:
        raise NotSupported(f"task {claim.task!r} has no implementation in this version of harness")
    if claim.metric == "size_mib":
        return check_size(claim, backend, settings)
    from transformers import AutoTokenizer

    from harness.tasks.classification import LabelMismatch

    model = resolve_model(claim, settings.location)
    data = resolve_dataset(claim, settings.location)
    ref = claim.dataset
    split = read_split(data.matching(ref.files), inputs=ref.inputs, label=ref.label)
    indices = sample(claim, split, limit=settings.limit, seed=settings.seed)
    rows = split.take(indices)
    request = ModelRequest(
        folder=model.path,
        task=claim.task,
        file=claim.file,
        work_dir=settings.work_dir,
        trusted_sha256=settings.trusted_sha256,
        allow_pickle=settings.allow_pickle,
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
        predictor = load_predictor(backend, request)
    except PickleRefused as exc:
        return Verdict(status=FAIL, reason=str(exc), **common)
    tokenizer = AutoTokenizer.from_pretrained(model.path, local_files_only=True)
    max_length = claim.max_seq_length or tokenizer.model_max_length
    try:
        with _progress(settings, f"{claim.id} [{backend}]") as progress:
            evaluation = _evaluate(claim, rows, tokenizer, predictor, max_length, progress)
    except LabelMismatch as exc:
        return Verdict(status=FAIL, reason=f"labels cannot be aligned: {exc}", **common)
    measured = float(evaluation.scores.mean())
    target = _target(claim, backend, settings, indices)
    passed = claim.tolerance.admits(claimed=target, measured=measured)
    return Verdict(
        status=PASS if passed else FAIL,
        target=target,
        measured=measured,
        notes=(*evaluation.notes, f"{predictor.description}, max_seq_length {max_length}"),
        seconds=evaluation.seconds,
        examples_per_second=_rate(len(rows), evaluation.seconds),
        features=evaluation.features,
        features_per_second=_rate(evaluation.features, evaluation.seconds),
        **common,
    )


def _evaluate(claim: Claim, rows: Split, tokenizer, predictor: Predictor, max_length: int, progress) -> Evaluation:
    from harness import engine

    inputs = claim.dataset.inputs
    if claim.task in CLASSIFICATION_TASKS:
        from harness.tasks import classification

        alignment = classification.align(predictor.id2label, rows.label_names)
        encoded = classification.encode(tokenizer, rows, inputs=inputs, max_length=max_length)
        result = engine.run(predictor, encoded, on_batch=progress(len(encoded)))
        scores = classification.scores(claim.metric, result.logits, rows.labels, alignment)
        return Evaluation(scores=scores, notes=(alignment.note,), seconds=result.seconds, features=len(encoded))
    from harness.tasks import qa

    questions, contexts = rows.inputs[inputs[0]], rows.inputs[inputs[1]]
    found = qa.answer(
        tokenizer, predictor, questions, contexts, max_length=max_length, settings=claim.qa, progress=progress
    )
    qa_settings = f"doc_stride {claim.qa.doc_stride}, n_best {claim.qa.n_best}"
    note = f"{found.windows} windows for {len(rows)} questions ({qa_settings})"
    return Evaluation(
        scores=qa.scores(claim.metric, found.texts, rows.labels), notes=(note,), seconds=found.seconds,
        features=found.windows,
    )  # fmt: skip


def check_size(claim: Claim, backend: str, settings: Settings) -> Verdict:
    """MiB of the artifact the claim names, against the card (or the replica's bytes on disk)."""
    from harness import sizes

    model = resolve_model(claim, settings.location)
    measured, how = sizes.measure(model.path, backend=backend, task=claim.task, file=claim.file)
    tolerance, notes = claim.tolerance, [how]
    target = claim.value
    if settings.expectations is not None:
        target = settings.expectations.fixed(claim.id, backend)
        if target is None:
            raise NotSupported(f"the replica at {settings.expectations.root} has no size for {claim.id} on {backend}")
        # Stand-ins are smaller than the real models: keep the card's relative precision.
        tolerance = replace(tolerance, amount=tolerance.amount * target / claim.value)
        notes.append(f"tolerance scaled by the stand-in's size ({claim.tolerance.describe()} on {claim.value:g})")
    return Verdict(
        claim_id=claim.id,
        backend=backend,
        status=PASS if tolerance.admits(claimed=target, measured=measured) else FAIL,
        metric=claim.metric,
        claimed=claim.value,
        target=target,
        measured=measured,
        tolerance=tolerance.describe(),
        mode="replica" if settings.expectations else "card",
        model=model.repo,
        model_revision=model.revision,
        source=claim.source,
        notes=tuple(notes),
    )


@contextmanager
def _progress(settings: Settings, description: str):
    """Yield ``start(total) -> update(n)``; the display, if any, is closed whatever happens."""
    displays = []

    def start(total: int) -> Callable[[int], object] | None:
        if settings.progress is None:
            return None
        displays.append(settings.progress(description, total))
        return displays[-1].update

    try:
        yield start
    finally:
        for display in displays:
            display.close()


def _rate(count: int, seconds: float) -> float | None:
    return count / seconds if seconds else None


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
