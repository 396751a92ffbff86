"""A card's results, as the sources found them, turned into a card in the harness's schema: one claim per
result, each with its provenance, its tolerance stated, and a review note wherever the card leaves the
dataset or the model open."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from harness.claims.vocabulary import EXPORTED_FROM_TORCH
from harness.hubcards import datasets as dataset_table
from harness.hubcards.columns import Column
from harness.hubcards.found import Found, RawDataset
from harness.hubcards.models import Repo, base_model_review
from harness.hubcards.readme import CardText, listed_dataset
from harness.hubcards.values import OutOfRange, read_value
from harness.hubcards.words import COMPUTED, TASK_NAMES, metric_name, task_metric

# BERT's SQuAD setting; the model's whole length for a tagger, whose long sentences are read in windows;
# 128 for classification (GLUE's).
MAX_SEQ_LENGTH = {"question-answering": 384, "token-classification": 512}
DEFAULT_MAX_SEQ_LENGTH = 128
OPENVINO_IR = "openvino_model.xml"  # the file optimum-intel saves and OVModel classes load


@dataclass
class Draft:
    """The card being written: its models and datasets by name, and its claims."""

    repo: Repo
    card: CardText
    moved: Mapping[str, str]
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)
    claims: list[dict[str, Any]] = field(default_factory=list)

    @property
    def main(self) -> str:
        return "int8" if self.repo.quantized else "model"


def compose(card: CardText, repo: Repo, found: list[Found], *, moved: Mapping[str, str]) -> Draft:
    draft = Draft(repo=repo, card=card, moved=moved)
    draft.models[draft.main] = repo.block()
    fallback = _card_dataset(found, card)
    for item in _trainer_splits(found):
        _add(draft, item, fallback)
    if "fp32" in draft.models and repo.quantized:
        draft.models[draft.main]["quantized_from"] = "fp32"
    draft.claims = _merged(draft.claims)
    _name(draft.claims, repo.repo_id)
    return draft


def _trainer_splits(found: list[Found]) -> list[Found]:
    """A Trainer card's model-index may say ``split: train`` for the figure its text gives on the evaluation
    set: such a result is the evaluation-set figure, and its dataset (less that split) is the one the
    Trainer's whole list was measured on; a person confirms the split."""
    evaluation = {(metric_name(f.metric), str(f.value)) for f in found if f.evaluation_set}
    matched = [
        f for f in found
        if not f.evaluation_set and f.dataset and (metric_name(f.metric), str(f.value)) in evaluation
    ]  # fmt: skip
    if not matched:
        return found
    named = matched[0].dataset
    dataset = replace(named, split=None if named.split == "train" else named.split)
    return [replace(f, evaluation_set=True, dataset=dataset) if f.evaluation_set or f in matched else f for f in found]


def _card_dataset(found: list[Found], card: CardText) -> RawDataset | None:
    """The dataset a result that names none (a table's row) is on: the one every other result names, else
    the front matter's only ``datasets:`` entry; None when that is not one dataset."""
    named = {
        (f.dataset.id, f.dataset.config) for f in found if f.dataset and f.dataset.id and f.dataset.split != "train"
    }
    if len(named) == 1:
        ((dataset_id, config),) = named
        return RawDataset(id=dataset_id, config=config, inferred_from="the dataset the card's other results name")
    listed = listed_dataset(card)
    return None if listed is None else RawDataset(id=listed, inferred_from="the front matter's datasets: list")


def _add(draft: Draft, item: Found, fallback: RawDataset | None) -> None:
    column = Column.of(item.column)
    model = "fp32" if draft.repo.quantized and column.precision == "fp32" else draft.main
    if model == "fp32" and model not in draft.models:
        draft.models["fp32"] = base_model_review(draft.card.front, draft.card.body, draft.moved)
    task = TASK_NAMES.get(str(item.task).lower()) if item.task else None
    task = task or draft.repo.head
    metric = task_metric(task, metric_name(item.metric))
    claim: dict[str, Any] = {"model": model, "task": task or "text-classification", "metric": metric or item.metric}
    reasons = _unsupported(draft.repo, item, column, task, metric)
    if metric != "size_mib" and not reasons:  # which dataset matters only to a figure the harness can check
        raw = item.dataset or column.dataset or fallback
        if raw is not None and column.split and not raw.split:  # a "dev" / "test" column of the card's dataset
            raw = replace(raw, split=column.split, inferred_from=f"{raw.inferred_from}, the column {column.label!r}")
        reasons += _dataset(draft, claim, raw, item.evaluation_set)
    backends, file = _backends(draft.repo, model, column, metric)
    claim.update(backends=backends, **({"file": file} if file else {}))
    _value(claim, item, reasons)
    if claim["task"] in COMPUTED and metric != "size_mib":
        claim["max_seq_length"] = MAX_SEQ_LENGTH.get(claim["task"], DEFAULT_MAX_SEQ_LENGTH)
    claim["source"] = _words(item)
    claim["provenance"] = {
        "kind": item.kind,
        "card_revision": draft.repo.revision,
        "at": [item.at],
        **claim.pop("_read", {}),
    }
    if item.verified:
        claim["verified"] = True
    if reasons:
        claim.update(checkable=False, reason="; ".join(reasons))
    draft.claims.append(claim)


def _unsupported(repo: Repo, item: Found, column: Column, task: str | None, metric: str | None) -> list[str]:
    """Why the harness cannot check this figure, in words; empty when it can."""
    if metric is None:
        return [f"the harness does not know the metric {item.metric!r}"]
    if column.runtime not in (None, "onnx", "torch", "openvino"):
        return [f"the harness has no backend for {column.label!r}"]
    if column.runtime == "openvino" and repo.quantized and OPENVINO_IR not in repo.files:
        return [f"{column.label!r} is a figure of an OpenVINO IR ({OPENVINO_IR}), which the repo does not hold; "
                "the harness exports only the FP32 checkpoint to OpenVINO"]  # fmt: skip
    if column.precision in ("fp16", "bf16"):
        return [f"a {column.precision} figure: the harness runs the card's FP32 or INT8 artifacts"]
    if metric == "size_mib":
        return []
    if repo.head is None:
        architectures = ", ".join(repo.config.get("architectures") or ["none named"])
        return [f"the checkpoint has no task head (architectures: {architectures}): a figure on a task is for a "
                "model fine-tuned from it, not for this checkpoint"]  # fmt: skip
    if task not in COMPUTED:
        return [f"the harness has no {task or 'such'} task (it checks {', '.join(COMPUTED)})"]
    if metric not in COMPUTED[task]:
        return [f"the harness does not compute {item.metric!r} for {task} (it computes "
                f"{', '.join(sorted(COMPUTED[task]))})"]  # fmt: skip
    return []


def _dataset(draft: Draft, claim: dict, raw: RawDataset | None, evaluation_set: bool) -> list[str]:
    found = dataset_table.resolve(raw, evaluation_set=evaluation_set)
    if found.training:
        return ["measured on the training split: kept for the record, never an evaluation claim"]
    key = found.key if found.block else _raw_key(raw)
    claim["dataset"] = key
    if found.block is not None:
        draft.datasets.setdefault(key, found.block)
        if claim["task"] in ("text-classification", "text-pair-classification") and found.task:
            claim["task"] = found.task
    else:
        draft.datasets.setdefault(key, {"review": found.review, "candidates": found.candidates})
    return []


def _raw_key(raw: RawDataset | None) -> str:
    if raw is None:
        return "unnamed"
    name = raw.id or raw.name or "unnamed"
    return re.sub(r"[^a-z0-9]+", "-", f"{name.split('/')[-1]}-{raw.config or ''}-{raw.split or ''}".lower()).strip("-")


def _backends(repo: Repo, model: str, column: Column, metric: str | None) -> tuple[list[str], str | None]:
    """Which backends a figure is for, and which file: a runtime the column names, else the repo's own kind."""
    mine = model != "fp32"
    if column.runtime == "onnx":
        return ["onnx"], "model.onnx" if mine and "model.onnx" in repo.files else None
    if column.runtime == "openvino":
        return ["openvino"], OPENVINO_IR if mine and OPENVINO_IR in repo.files else None
    if mine and repo.quantized:  # a quantized PyTorch checkpoint: Intel Neural Compressor's format
        return ["inc"], "pytorch_model.bin"
    if column.runtime == "torch" or metric == "size_mib":
        return ["torch"], None
    return ["torch", *EXPORTED_FROM_TORCH], None


def _value(claim: dict, item: Found, reasons: list[str]) -> None:
    try:
        reading = read_value(item.value, task=claim["task"], metric=claim["metric"])
    except OutOfRange as exc:
        claim["value"] = None
        claim["review"] = f"the value cannot be read: {exc} ({item.at}); correct it or delete the claim"
        return
    claim.update(value=reading.value, tolerance=reading.tolerance)
    claim["_read"] = {"printed": reading.printed, "read_as": reading.read_as, "tolerance": reading.tolerance_note}


def _words(item: Found) -> str:
    on = ""
    if item.dataset is not None:
        parts = [item.dataset.id or item.dataset.name, item.dataset.config, item.dataset.split]
        on = " on " + " / ".join(str(p) for p in parts if p)
    column = f" [{item.column}]" if item.column else ""
    task = f" ({item.task})" if item.task else ""
    verified = ", verified" if item.verified else ""
    return f"{item.kind} {item.at}: {item.metric}{column} {item.value}{on}{task}{verified}"


def _merged(claims: list[dict]) -> list[dict]:
    """One claim per figure: a model-index result and a table row stating the same value of the same
    metric for the same model, dataset and backends become one claim with both provenances."""
    kept: dict[tuple, dict] = {}
    for claim in claims:
        value = None if claim.get("value") is None else round(claim["value"], 6)
        key = (claim["model"], claim["metric"], claim.get("dataset"), tuple(claim["backends"]), claim.get("file"),
               value, claim.get("checkable", True))  # fmt: skip
        if key not in kept:
            kept[key] = claim
            continue
        first = kept[key]
        first["source"] += "; " + claim["source"]
        first["provenance"]["at"] += claim["provenance"]["at"]
        first["tolerance"] = min(first.get("tolerance", 0), claim.get("tolerance", 0)) or first.get("tolerance")
        if claim.get("verified"):
            first["verified"] = True
    return list(kept.values())


def _name(claims: list[dict], repo_id: str) -> None:
    """Ids unique in the card: repo name, dataset, metric, and the backend or file when that tells them apart."""
    slug = re.sub(r"[^a-z0-9]+", "-", repo_id.split("/")[-1].lower())
    used: dict[str, int] = {}
    for claim in claims:
        one_backend = claim["metric"] == "size_mib" or len(claim["backends"]) == 1
        parts = [slug, claim["model"] if claim["model"] == "fp32" else "", claim.get("dataset", ""), claim["metric"],
                 "-".join(claim["backends"]) if one_backend else ""]  # fmt: skip
        base = re.sub(r"[^a-z0-9]+", "-", "-".join(p for p in parts if p).lower()).strip("-")
        used[base] = used.get(base, 0) + 1
        claim_id = base if used[base] == 1 else f"{base}-{used[base]}"
        claims[claims.index(claim)] = {"id": claim_id, **claim}
