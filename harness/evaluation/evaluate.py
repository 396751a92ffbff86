"""Evaluate a claim on rows of its split: from the prediction cache, or run (then cached)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace

import numpy as np

from harness.backends.base import Predictor
from harness.backends.devices import Device, settle
from harness.cache import features as feature_cache
from harness.cache.features import FeatureCache
from harness.claims.model import Claim
from harness.data.splits import Split
from harness.engine import distributed
from harness.evaluation.context import Settings
from harness.evaluation.opening import open_model, vet_model
from harness.hub.resolve import Snapshot
from harness.tasks import task_of


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    scores: np.ndarray  # per example; the claim's metric is their mean
    predictions: list[str]  # per example: the predicted label's name, or the answer text
    notes: tuple[str, ...]  # the last names the predictor and sequence length (evaluation_of adds it)
    seconds: float
    features: int
    # about this run only, never cached with the results (say, a feature cache entry that was refused)
    warnings: tuple[str, ...] = ()

    @property
    def artifact(self) -> str:
        return self.notes[-1]


def evaluate(
    claim: Claim, rows: Split, tokenizer, predictor: Predictor, max_length: int, progress=None,
    features: FeatureCache | None = None,
) -> Evaluation:  # fmt: skip
    """The claim's metric per example of ``rows``, and what the model predicted for each.

    ``features`` keeps the tokenized rows for the next backend or run. The time reported covers
    tokenization (or reading it back), the model and scoring.
    """
    task = task_of(claim.task)
    start = time.perf_counter()
    columns = [rows.inputs[name] for name in claim.dataset.inputs]
    settings = {"task": claim.task, "max_length": max_length, "qa": asdict(claim.qa) if claim.qa else None}
    # The key hashes every text: only worth computing where there is a cache to look in.
    key = (
        None
        if features is None
        else feature_cache.features_key(tokenizer, kind=claim.task, settings=settings, columns=columns)
    )
    encoded, refused = feature_cache.cached(
        features, key, lambda: task.encode(tokenizer, rows, claim=claim, max_length=max_length),
        to_arrays=task.features_type.to_arrays, from_arrays=task.features_type.from_arrays,
    )  # fmt: skip
    predicted = task.predict(
        predictor, encoded, rows, claim=claim, progress=progress or _no_progress, shards=distributed.current()
    )
    return Evaluation(
        scores=predicted.scores, predictions=predicted.predictions, notes=predicted.notes,
        seconds=time.perf_counter() - start, features=predicted.features, warnings=tuple(filter(None, [refused])),
    )  # fmt: skip


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


def evaluation_of(
    claim: Claim, backend: str, settings: Settings, model: Snapshot, data: Snapshot, indices: list[int], rows: Split
) -> tuple[Evaluation, tuple[str, ...]]:
    """The claim evaluated on ``rows``: from the prediction cache, or computed (and then cached)."""
    vet_model(claim, backend, model, settings)  # a cached result never stands in for this check
    device = settle(settings.device, backend)  # the device it runs on, not the one asked for ("auto")
    key = prediction_key(claim, backend, model, data, indices, device) if settings.cache is not None else None
    evaluation, cache_note = _from_cache(settings, key, len(rows))
    if evaluation is not None:
        return evaluation, cache_note
    predictor, tokenizer, max_length = open_model(claim, backend, model, settings)
    with _progress(settings, f"{claim.id} [{backend}]") as progress:
        evaluation = evaluate(claim, rows, tokenizer, predictor, max_length, progress, settings.features)
    described = f"{predictor.description}, max_seq_length {max_length}"
    evaluation = replace(evaluation, notes=(*evaluation.notes, described))
    if key is not None:
        settings.cache.put(
            key, scores=evaluation.scores, predictions=evaluation.predictions, notes=evaluation.notes,
            seconds=evaluation.seconds, features=evaluation.features,
        )  # fmt: skip
    return evaluation, cache_note


def prediction_key(
    claim: Claim, backend: str, model: Snapshot, data: Snapshot, indices: Sequence[int], device: Device | None = None
) -> str:
    """What decides an evaluation's per-example results, hashed: the prediction cache's key. A GPU's
    kernels round otherwise than the CPU's, and one GPU model's otherwise than another's, so a GPU's
    results are keyed on the device and its model (the CPU's key is unchanged)."""
    from harness.cache.store import folder_identity, key_of

    ref = claim.dataset
    return key_of({
        "model": {"repo": model.repo, "revision": model.revision, "files": folder_identity(model.path)},
        "backend": backend, "file": claim.file, "task": claim.task, "metric": claim.metric,
        "max_seq_length": claim.max_seq_length, "qa": asdict(claim.qa) if claim.qa else None,
        "dataset": {"repo": data.repo, "revision": data.revision, "config": ref.config, "split": ref.split,
                    "inputs": list(ref.inputs), "label": ref.label,
                    "files": folder_identity(data.path, data.matching(ref.files))},
        "examples": hashlib.sha256(np.asarray(indices, dtype=np.int64).tobytes()).hexdigest(),
        **({} if device is None or device.name == "cpu" else {"device": device.describe()}),
    })  # fmt: skip


def _from_cache(settings: Settings, key: str | None, examples: int) -> tuple[Evaluation | None, tuple[str, ...]]:
    """A cached evaluation and the note that says so; or None, with a note when an entry was refused."""
    from harness.cache.store import CorruptEntry

    if key is None:
        return None, ()
    try:
        found = settings.cache.get(key, examples=examples)
    except CorruptEntry as exc:
        return None, (f"prediction cache entry refused and recomputed: {exc}",)
    if found is None:
        return None, ()
    evaluation = Evaluation(scores=found.scores, predictions=found.predictions, notes=found.notes,
                            seconds=found.seconds, features=found.features)  # fmt: skip
    return evaluation, (
        f"per-example results from the prediction cache ({settings.cache.path(key)}); speed is the run that "
        "computed them; --harness-no-cache recomputes",
    )


def _no_progress(total: int) -> None:
    return None

