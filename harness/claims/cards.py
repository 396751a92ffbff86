"""Read cards (YAML) into a Registry of claims; every error names the file, the key, what was found and the fix."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from harness.claims.model import Baseline, Claim, DatasetRef, ModelRef, QASettings, Registry, Tolerance
from harness.claims.relative import RELATIVE_KEYS, read_baseline, read_relative
from harness.claims.review import NOTHING_PENDING, REVIEW_KEYS, Pending, pending_note, unresolved_model
from harness.claims.schema import CardError, CardReader, join_key
from harness.claims.vocabulary import (
    ARTIFACT_METRICS,
    BACKENDS,
    BOUNDS,
    PIPELINE_TAGS,
    RATIO_METRICS,
    TASK_METRICS,
    VARIANTS,
)

_CARD_KEYS = {"card", "title", "url", "models", "datasets", "claims", "imported"}


_MODEL_KEYS = {
    "repo", "revision", "formerly", "architecture", "lowercase", "quantized_from", "pipeline_tag", "labels",
    *REVIEW_KEYS,
}  # fmt: skip


_DATASET_KEYS = {"repo", "revision", "config", "split", "files", "inputs", "label", "size", *REVIEW_KEYS}


_QA_KEYS = {"doc_stride", "max_query_length", "n_best", "max_answer_length"}


_CLAIM_KEYS = {
    "qa",
    "id",
    "model",
    "dataset",
    "task",
    "metric",
    "value",
    "tolerance",
    "bound",
    "backends",
    "file",
    "max_seq_length",
    "source",
    "checkable",
    "reason",
    "baseline",
    "review",
    "provenance",
    "verified",
    *RELATIVE_KEYS,
}


def cards_in(folder: Path) -> list[Path]:
    """The card files of a folder (``--cards``, ``--harness-cards``); CardError when it holds none."""
    paths = sorted(Path(folder).glob("*.yaml"))
    if not paths:
        raise CardError(f"{folder} holds no model card (*.yaml); pass a folder of cards like harness/cards")
    return paths


def load_registry(paths: Iterable[Path] | None = None) -> Registry:
    """Load every card; by default the ones shipped in ``harness/cards``."""
    if paths is None:
        folder = resources.files("harness") / "cards"
        paths = sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml"))
    claims: list[Claim] = []
    seen: dict[str, str] = {}
    for path in paths:
        for claim in load_card(Path(path)):
            if claim.id in seen:
                raise CardError(
                    f"{path}: claim id {claim.id!r} is already used in {seen[claim.id]}; "
                    "claim ids must be unique across all cards."
                )
            seen[claim.id] = str(path)
            claims.append(claim)
    return Registry(tuple(claims))


def load_card(path: Path) -> list[Claim]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CardError(f"{path}: not valid YAML ({exc}). Fix the syntax and load again.") from exc
    return card_claims(document, path)


def card_claims(document: Any, path: Path | str) -> list[Claim]:
    """The claims of a card already parsed from YAML; ``path`` names it in errors (a file, or an import)."""
    where = CardReader(Path(path))
    card = where.mapping(document, "", _CARD_KEYS, required={"card", "models", "claims"})
    card_name = where.text(card, "card")
    raw_models = where.mapping(card["models"], "models")
    raw_datasets = where.mapping(card.get("datasets") or {}, "datasets")
    pending = Pending(
        models=_pending(where, "models", raw_models, _MODEL_KEYS),
        datasets=_pending(where, "datasets", raw_datasets, _DATASET_KEYS),
    )
    models = {
        key: unresolved_model(key) if key in pending.models else _model(where, f"models.{key}", value)
        for key, value in raw_models.items()
    }
    models = _link_quantized(where, models)
    datasets = {
        key: _dataset(where, f"datasets.{key}", value)
        for key, value in raw_datasets.items()
        if key not in pending.datasets
    }
    raw_claims = card["claims"]
    if not isinstance(raw_claims, list) or not raw_claims:
        raise CardError(f"{path}: key 'claims' must be a non-empty list of claims.")
    return [
        _claim(where, f"claims[{i}]", raw, card_name, models, datasets, pending) for i, raw in enumerate(raw_claims)
    ]


def _pending(where: CardReader, section: str, raw: Mapping[str, Any], allowed: set[str]) -> dict[str, str]:
    """The review notes of a section's entries, by name (an entry under review may be incomplete)."""
    notes = {}
    for name, value in raw.items():
        note = pending_note(where, f"{section}.{name}", value)
        if note is not None:
            where.mapping(value, f"{section}.{name}", allowed)
            notes[name] = note
    return notes


def _model(where: CardReader, key: str, raw: Any) -> ModelRef:
    raw = where.mapping(raw, key, _MODEL_KEYS, required={"repo"})
    architecture = where.mapping(raw.get("architecture") or {}, join_key(key, "architecture"))
    for name in architecture:
        where.positive_int(architecture, name, join_key(key, "architecture"))
    lowercase = raw.get("lowercase", False)
    if not isinstance(lowercase, bool):
        raise where.fail(join_key(key, "lowercase"), f"expected true or false, found {lowercase!r}.")
    quantized_from = raw.get("quantized_from")
    if quantized_from is not None:
        quantized_from = where.text(raw, "quantized_from", key)  # a model name of this card, linked below
    pipeline_tag = raw.get("pipeline_tag")
    if pipeline_tag is not None:
        pipeline_tag = where.choice(raw, "pipeline_tag", PIPELINE_TAGS, key)
    return ModelRef(
        labels=_labels(where, raw, key),
        repo=where.text(raw, "repo", key),
        revision=_revision(where, raw, key),
        formerly=tuple(raw.get("formerly") or ()),
        architecture=dict(architecture),
        lowercase=lowercase,
        quantized_from=quantized_from,
        pipeline_tag=pipeline_tag,
    )


def _labels(where: CardReader, raw: Mapping[str, Any], key: str) -> tuple[str, ...] | None:
    labels = raw.get("labels")
    if labels is None:
        return None
    if not (isinstance(labels, list) and labels and all(isinstance(n, str) and n.strip() for n in labels)):
        raise where.fail(join_key(key, "labels"), f"expected a list of label names in index order, found {labels!r}.")
    if len({n.lower() for n in labels}) != len(labels):
        raise where.fail(join_key(key, "labels"), f"label names must differ (case-insensitively), found {labels!r}.")
    return tuple(labels)


def _link_quantized(where: CardReader, models: Mapping[str, ModelRef]) -> dict[str, ModelRef]:
    """Replace each ``quantized_from`` model name by that model's repo id."""
    linked = {}
    for name, model in models.items():
        source = model.quantized_from
        if source is not None:
            if source not in models or source == name:
                others = ", ".join(n for n in models if n != name) or "none"
                raise where.fail(
                    f"models.{name}.quantized_from",
                    f"{source!r} is not another model of this card (its models: {others}); "
                    "name the FP32 model this one was quantized from.",
                )
            model = replace(model, quantized_from=models[source].repo)
        linked[name] = model
    return linked


# Benchmarks whose test labels are withheld (each test row's label is -1). Other datasets' test splits,
# CoNLL-2003's for one, are labelled; a split that turns out to be unlabelled is refused when it is read.
LABELS_WITHHELD = frozenset({"nyu-mll/glue", "glue", "stanfordnlp/sst2"})


def _dataset(where: CardReader, key: str, raw: Any) -> DatasetRef:
    raw = where.mapping(raw, key, _DATASET_KEYS, required={"repo", "split", "files", "inputs", "label"})
    inputs = raw["inputs"]
    if not isinstance(inputs, list) or not inputs or not all(isinstance(i, str) for i in inputs):
        raise where.fail(join_key(key, "inputs"), f"expected a list of column names, found {inputs!r}.")
    split, repo = where.text(raw, "split", key), where.text(raw, "repo", key)
    if split.startswith("test") and repo in LABELS_WITHHELD:
        raise where.fail(
            join_key(key, "split"),
            f"{repo}'s test splits carry label -1 and cannot score a claim; name the split the card used.",
        )
    return DatasetRef(
        repo=repo,
        revision=_revision(where, raw, key),
        config=raw.get("config"),
        split=split,
        files=where.text(raw, "files", key),
        inputs=tuple(inputs),
        label=where.text(raw, "label", key),
        size=where.positive_int(raw, "size", key),
    )


def _revision(where: CardReader, raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get("revision")
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise where.fail(join_key(key, "revision"), f"expected a branch, tag or commit SHA, found {value!r}.")
    return value


def _claim(
    where: CardReader,
    key: str,
    raw: Any,
    card_name: str,
    models: Mapping[str, ModelRef],
    datasets: Mapping[str, DatasetRef],
    pending: Pending = NOTHING_PENDING,
) -> Claim:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        key = f"claims[{raw['id']}]"  # name the claim by its id once it has one
    raw = where.mapping(raw, key, _CLAIM_KEYS, required={"id", "model", "task", "metric", "source"})
    claim_id = where.text(raw, "id", key)
    model = models.get(raw["model"])
    if model is None:
        raise where.fail(
            join_key(key, "model"),
            f"{raw['model']!r} is not one of this card's models ({', '.join(models)}); "
            "declare it under 'models' or fix the name.",
        )
    task = where.choice(raw, "task", TASK_METRICS, key)
    checkable = raw.get("checkable", True)
    if not isinstance(checkable, bool):
        raise where.fail(join_key(key, "checkable"), f"expected true or false, found {checkable!r}.")
    allowed_metrics = sorted(TASK_METRICS[task] | ARTIFACT_METRICS | RATIO_METRICS)
    # A claim the harness cannot check may name any metric the card names; its reason says why.
    metric = where.choice(raw, "metric", allowed_metrics, key) if checkable else where.text(raw, "metric", key)
    common = dict(
        id=claim_id,
        card=card_name,
        card_file=str(where.path),
        model=model,
        task=task,
        metric=metric,
        file=raw.get("file"),
        source=where.text(raw, "source", key),
        provenance=_provenance(where, raw, key),
        verified=raw.get("verified") is True,
    )
    notes = pending.notes_for(where, key, raw) if checkable else []
    if notes:  # kept whole, so that deleting the review notes is all it takes to check it
        checkable, raw = False, {**raw, "reason": "needs review: " + " ".join(notes)}
    if not checkable:
        value = raw.get("value")
        return Claim(
            **common,
            dataset=None,
            value=None if value is None else _number(where, raw, "value", key),
            tolerance=None,
            backends=(),
            max_seq_length=None,
            checkable=False,
            reason=where.text(raw, "reason", key),
        )
    return _checkable_claim(where, key, raw, common, models, datasets)


def _checkable_claim(
    where: CardReader, key: str, raw: Mapping[str, Any], common: dict[str, Any], models: Mapping[str, ModelRef],
    datasets: Mapping[str, DatasetRef],
) -> Claim:  # fmt: skip
    """A claim the harness checks: its value, tolerance, backends, and what its metric needs."""
    metric, task = common["metric"], common["task"]
    if metric in RATIO_METRICS and raw.get("baseline") is None:
        raise where.fail(
            join_key(key, "baseline"),
            f"a checkable {metric!r} claim names what it is faster than, e.g. 'baseline: {{model: fp32, "
            "backend: onnx}'; or set 'checkable: false' and give a 'reason'.",
        )
    if metric not in RATIO_METRICS and raw.get("baseline") is not None:
        raise where.fail(join_key(key, "baseline"), f"only ratio claims ({', '.join(RATIO_METRICS)}) take a baseline.")
    relative = read_relative(where, key, raw, metric, models)
    for name in ("backends",) if relative else ("value", "tolerance", "backends"):
        if raw.get(name) is None:
            raise where.fail(join_key(key, name), "required key is missing for a checkable claim; add it.")
    return Claim(
        **common,
        dataset=_claim_dataset(where, key, raw, task, metric, datasets),
        value=None if relative else _number(where, raw, "value", key),
        tolerance=None if relative else _tolerance(where, raw, key),
        backends=_backends(where, raw, key),
        max_seq_length=where.positive_int(raw, "max_seq_length", key),
        checkable=True,
        reason=None,
        qa=_qa_settings(where, key, raw, task),
        baseline=_baseline(where, key, raw, models),
        relative=relative,
    )


def _provenance(where: CardReader, raw: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    value = raw.get("provenance")
    return None if value is None else dict(where.mapping(value, join_key(key, "provenance")))


def _qa_settings(where: CardReader, key: str, raw: Mapping[str, Any], task: str) -> QASettings | None:
    if task != "question-answering":
        if "qa" in raw:
            raise where.fail(join_key(key, "qa"), f"only question-answering claims take QA settings; this is {task}.")
        return None
    values = where.mapping(raw.get("qa") or {}, join_key(key, "qa"), _QA_KEYS)
    return QASettings(**{name: where.positive_int(values, name, join_key(key, "qa")) for name in values})


def _claim_dataset(
    where: CardReader, key: str, raw: Mapping[str, Any], task: str, metric: str, datasets: Mapping[str, DatasetRef]
) -> DatasetRef | None:
    if metric in ARTIFACT_METRICS:
        return None
    if raw.get("dataset") not in datasets:
        raise where.fail(
            join_key(key, "dataset"),
            f"{raw.get('dataset')!r} is not one of this card's datasets ({', '.join(datasets) or 'none'}).",
        )
    dataset = datasets[raw["dataset"]]
    if task == "text-pair-classification" and len(dataset.inputs) != 2:
        raise where.fail(join_key(key, "task"), "a pair task needs a dataset with two input columns.")
    return dataset


def _number(where: CardReader, raw: Mapping[str, Any], name: str, key: str) -> float:
    value = raw.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise where.fail(join_key(key, name), f"expected a finite number, found {value!r}.")
    return float(value)


def _tolerance(where: CardReader, raw: Mapping[str, Any], key: str) -> Tolerance:
    amount = _number(where, raw, "tolerance", key)
    if amount < 0:
        raise where.fail(
            join_key(key, "tolerance"),
            f"must be zero or positive, found {amount:g}; use 'bound: at-least' or 'at-most' for a one-sided claim.",
        )
    return Tolerance(amount=amount, bound=where.choice({"bound": raw.get("bound", "two-sided")}, "bound", BOUNDS, key))


def _baseline(where: CardReader, key: str, raw: Mapping[str, Any], models: Mapping[str, ModelRef]) -> Baseline | None:
    if raw.get("baseline") is None:
        return None
    return read_baseline(where, join_key(key, "baseline"), raw["baseline"], models)


def _backends(where: CardReader, raw: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get("backends")
    if not isinstance(value, list) or not value:
        raise where.fail(join_key(key, "backends"), f"expected a non-empty list from {', '.join(BACKENDS)}.")
    for i, name in enumerate(value):
        if name in VARIANTS:
            raise where.fail(join_key(key, "backends"), f"{name!r} is a variant in other arithmetic than the card's, "
                             "for contracts, parity and speed (--harness-backend " + name + "), not a backend a "
                             f"claim is checked on; list {VARIANTS[name]!r} instead.")  # fmt: skip
        where.choice(dict(enumerate(value)), i, BACKENDS, join_key(key, "backends"))
    if len(set(value)) != len(value):
        raise where.fail(join_key(key, "backends"), f"lists a backend twice: {value!r}.")
    return tuple(value)

