"""Check one claim on one backend end to end: resolve, read, load, run, score, judge."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace

import numpy as np

from harness import distributed, feature_cache
from harness.backends.base import PickleRefused, Predictor, require
from harness.data import Split
from harness.feature_cache import FeatureCache
from harness.hub import Snapshot
from harness.loading import (
    CLASSIFICATION_TASKS,
    NotSupported,
    Settings,
    open_model,
    open_split,
    resolve_model,
    sample,
    vet_model,
)
from harness.registry import Claim
from harness.verdict import CARD, FAIL, NOT_CHECKABLE, PASS, STAND_IN, Verdict, outcome

TASKS = (*CLASSIFICATION_TASKS, "question-answering")


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


def check(claim: Claim, backend: str, settings: Settings) -> Verdict:
    """Raises BackendUnavailable, NotSupported or ArtifactMissing when the claim cannot be run here.

    A checkpoint the backend refuses to load (an unpinned pickle) fails the claim.
    """
    require(backend)
    if claim.metric == "size_mib":
        return check_size(claim, backend, settings)
    if claim.metric == "sparsity":
        return check_sparsity(claim, backend, settings)
    if claim.task not in TASKS:
        raise NotSupported(f"task {claim.task!r} has no implementation in this version of harness")
    if claim.metric == "speedup":
        from harness.latency import check_speedup

        return check_speedup(claim, backend, settings)
    from harness.tasks.classification import LabelMismatch

    if settings.expectations is not None and settings.expectations.size == "true":
        raise NotSupported(
            f"the true-size replica at {settings.expectations.root} has random weights, so it carries no "
            f"reference for {claim.id}; accuracy is checked on the tiny replica (`--harness-hub replica`)"
        )
    model = resolve_model(claim, settings.location)
    data, split = open_split(claim, settings)
    ref = claim.dataset
    indices = sample(claim, split, limit=settings.limit, seed=settings.seed)
    rows = split.take(indices)
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
        evaluation, cache_note = evaluation_of(claim, backend, settings, model, data, indices, rows)
    except PickleRefused as exc:
        return Verdict(status=FAIL, reason=str(exc), **common)
    except LabelMismatch as exc:
        return Verdict(status=FAIL, reason=f"labels cannot be aligned: {exc}", **common)
    measured = float(evaluation.scores.mean())
    if settings.expectations is None:
        judged = judge(claim, claim.value, measured, evaluation.scores, population=len(split), seed=settings.seed)
        judged.update(target=claim.value)
    else:
        judged = _judge_on_replica(claim, backend, settings, indices, evaluation, population=len(split))
    found_notes = judged.pop("notes", ())
    verdict = Verdict(
        **judged,
        measured=measured,
        notes=(*evaluation.notes, *found_notes, *evaluation.warnings, *cache_note),
        seconds=evaluation.seconds,
        examples_per_second=_rate(len(rows), evaluation.seconds),
        features=evaluation.features,
        features_per_second=_rate(evaluation.features, evaluation.seconds),
        **common,
    )
    if not verdict.failed:
        return verdict
    found = _diagnosis(claim, verdict, evaluation, model, rows)
    if settings.diagnose:
        from harness.diagnosis_runs import deeper

        found += deeper(claim, backend, settings, model, data, len(rows), measured, evaluation.predictions)
    return replace(verdict, diagnosis=found)


def _diagnosis(claim: Claim, verdict: Verdict, evaluation: Evaluation, model: Snapshot, rows: Split) -> tuple[str, ...]:
    """Probes of a failure that reuse its predictions; a probe that cannot run says why."""
    from harness.diagnosis import diagnose

    try:
        return diagnose(
            claim, target=verdict.target if verdict.target is not None else claim.value,
            predictions=evaluation.predictions, scores=np.asarray(evaluation.scores), labels=rows.labels,
            label_names=rows.label_names, model_folder=model.path,
            columns=[rows.inputs[name] for name in claim.dataset.inputs],
            max_length=claim.max_seq_length,
        )  # fmt: skip
    except (OSError, ValueError, KeyError) as exc:  # a probe's failure must not hide the verdict
        return (f"not run: {type(exc).__name__}: {exc}",)



def evaluate(
    claim: Claim, rows: Split, tokenizer, predictor: Predictor, max_length: int, progress=None,
    features: FeatureCache | None = None,
) -> Evaluation:  # fmt: skip
    """The claim's metric per example of ``rows``, and what the model predicted for each.

    ``features`` keeps the tokenized rows for the next backend or run. The time reported covers
    tokenization (or reading it back), the model and scoring.
    """
    from harness import engine

    if progress is None:
        progress = _no_progress
    start = time.perf_counter()
    inputs = claim.dataset.inputs
    columns = [rows.inputs[name] for name in inputs]
    settings = {"task": claim.task, "max_length": max_length, "qa": asdict(claim.qa) if claim.qa else None}
    # The key hashes every text: only worth computing where there is a cache to look in.
    key = (
        None
        if features is None
        else feature_cache.features_key(tokenizer, kind=claim.task, settings=settings, columns=columns)
    )
    if claim.task in CLASSIFICATION_TASKS:
        from harness.tasks import classification

        alignment = classification.align(predictor.id2label, rows.label_names, card_labels=claim.model.labels)
        encoded, refused = feature_cache.cached(
            features, key, lambda: classification.encode(tokenizer, rows, inputs=inputs, max_length=max_length),
            to_arrays=engine.Encoded.to_arrays, from_arrays=engine.Encoded.from_arrays,
        )  # fmt: skip
        result = engine.run(predictor, encoded, on_batch=progress(len(encoded)), shards=distributed.current())
        scores = classification.scores(claim.metric, result.logits, rows.labels, alignment)
        predicted = classification.predicted_labels(result.logits, alignment, predictor.id2label, rows.label_names)
        return Evaluation(
            scores=scores, predictions=predicted, notes=(alignment.note,), seconds=time.perf_counter() - start,
            features=len(encoded), warnings=tuple(filter(None, [refused])),
        )  # fmt: skip
    from harness.tasks import qa

    questions, contexts = columns
    found, refused = feature_cache.cached(
        features, key,
        lambda: qa.features(tokenizer, questions, contexts, max_length=max_length, settings=claim.qa),
        to_arrays=qa.Features.to_arrays, from_arrays=qa.Features.from_arrays,
    )  # fmt: skip
    answers = qa.answer_features(
        found, predictor, contexts, settings=claim.qa, progress=progress, shards=distributed.current()
    )
    qa_settings = f"doc_stride {claim.qa.doc_stride}, n_best {claim.qa.n_best}"
    note = f"{answers.windows} windows for {len(rows)} questions ({qa_settings})"
    return Evaluation(
        scores=qa.scores(claim.metric, answers.texts, rows.labels), predictions=list(answers.texts),
        notes=(note,), seconds=time.perf_counter() - start, features=answers.windows,
        warnings=tuple(filter(None, [refused])),
    )  # fmt: skip


def check_size(claim: Claim, backend: str, settings: Settings) -> Verdict:
    """MiB of the artifact the claim names, against the card; on a stand-in only where the stand-in
    shares what decides the size (else: not checkable here, with the reason)."""
    from harness import sizes

    model = resolve_model(claim, settings.location)
    measured, how = sizes.measure(model.path, backend=backend, task=claim.task, file=claim.file)
    common = dict(
        claim_id=claim.id, backend=backend, metric=claim.metric, claimed=claim.value, measured=measured,
        tolerance=claim.tolerance.describe(), mode="replica" if settings.expectations else "card",
        model=model.repo, model_revision=model.revision, source=claim.source, notes=(how,),
    )  # fmt: skip
    target_from = None
    if settings.expectations is not None:
        reason = settings.expectations.not_checkable(claim.id, backend)
        if reason is not None:
            return Verdict(status=NOT_CHECKABLE, reason=f"not checkable on this stand-in: {reason}", **common)
        if not settings.expectations.held_to_card(claim.id, backend):
            raise NotSupported(
                f"the replica at {settings.expectations.root} says nothing of {claim.id} on {backend}; rebuild it"
            )
        target_from = settings.expectations.reference(claim.id, backend)
    passed = claim.tolerance.admits(claimed=claim.value, measured=measured)
    return Verdict(status=outcome(passed), target=claim.value, target_from=target_from, **common)


def check_sparsity(claim: Claim, backend: str, settings: Settings) -> Verdict:
    """The least sparse encoder Linear weight's share of zeros: every one must meet the card."""
    from harness import sparsity

    model = resolve_model(claim, settings.location)
    fractions = sparsity.zero_fractions(sparsity.encoder_linear_weights(model.path))
    least = min(fractions, key=fractions.get)
    overall = sum(fractions.values()) / len(fractions)
    passed = claim.tolerance.admits(claimed=claim.value, measured=fractions[least])
    on_stand_in = settings.expectations is not None
    return Verdict(
        claim_id=claim.id,
        backend=backend,
        # The stand-in was pruned to the card's figure: a pass shows the measurement, not the real model.
        status=outcome(passed, compared_with=STAND_IN if on_stand_in else CARD),
        metric=claim.metric,
        claimed=claim.value,
        target=claim.value,
        target_from="what the stand-in was pruned to (the card's figure, by magnitude): checks the harness's "
        "measurement, not the real model"
        if on_stand_in
        else None,
        measured=fractions[least],
        tolerance=claim.tolerance.describe(),
        mode="replica" if on_stand_in else "card",
        model=model.repo,
        model_revision=model.revision,
        source=claim.source,
        notes=(
            f"zeros in each of {len(fractions)} encoder nn.Linear weights (embeddings and cls head excluded); "
            f"least sparse: {least} at {fractions[least]:.4f}; mean {overall:.4f}",
        ),
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


def evaluation_of(
    claim: Claim, backend: str, settings: Settings, model: Snapshot, data: Snapshot, indices: list[int], rows: Split
) -> tuple[Evaluation, tuple[str, ...]]:
    """The claim evaluated on ``rows``: from the prediction cache, or computed (and then cached)."""
    vet_model(claim, backend, model, settings)  # a cached result never stands in for this check
    key = prediction_key(claim, backend, model, data, indices) if settings.cache is not None else None
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


def prediction_key(claim: Claim, backend: str, model: Snapshot, data: Snapshot, indices: Sequence[int]) -> str:
    """What decides an evaluation's per-example results, hashed: the prediction cache's key."""
    from harness.cache_files import folder_identity, key_of

    ref = claim.dataset
    return key_of({
        "model": {"repo": model.repo, "revision": model.revision, "files": folder_identity(model.path)},
        "backend": backend, "file": claim.file, "task": claim.task, "metric": claim.metric,
        "max_seq_length": claim.max_seq_length, "qa": asdict(claim.qa) if claim.qa else None,
        "dataset": {"repo": data.repo, "revision": data.revision, "config": ref.config, "split": ref.split,
                    "inputs": list(ref.inputs), "label": ref.label,
                    "files": folder_identity(data.path, data.matching(ref.files))},
        "examples": hashlib.sha256(np.asarray(indices, dtype=np.int64).tobytes()).hexdigest(),
    })  # fmt: skip


def _from_cache(settings: Settings, key: str | None, examples: int) -> tuple[Evaluation | None, tuple[str, ...]]:
    """A cached evaluation and the note that says so; or None, with a note when an entry was refused."""
    from harness.cache_files import CorruptEntry

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


def judge(claim: Claim, target: float, measured: float, scores: np.ndarray, *, population: int, seed: int) -> dict:
    """On the whole split, the plain tolerance; on a sample, whether the target lies inside the
    measured value's confidence interval widened by the tolerance (a sample's value has an error
    the claim, made on the whole split, does not)."""
    if len(scores) >= population:
        passed = claim.tolerance.admits(claimed=target, measured=measured)
        return {"status": PASS if passed else FAIL, "evaluation": "full split"}
    from harness import intervals

    found = intervals.interval(claim.metric, scores, population=population, seed=seed)
    return {
        "status": PASS if found.admits(claim.tolerance, claimed=target) else FAIL,
        "evaluation": "sample",
        "interval": (found.low, found.high),
        "interval_method": f"{found.confidence:.0%} {found.method}",
    }


def _no_progress(total: int) -> None:
    return None


def _rate(count: int, seconds: float) -> float | None:
    return count / seconds if seconds else None


def _judge_on_replica(
    claim: Claim, backend: str, settings: Settings, indices: list[int], evaluation: Evaluation, *, population: int
) -> dict:
    from harness import replica_gate

    expectations = settings.expectations
    try:
        return replica_gate.judge(
            claim, backend, expectations, indices, evaluation.predictions, evaluation.scores, population=population
        )
    except replica_gate.NoReference as exc:
        raise NotSupported(str(exc)) from None
