"""Entries of a model repo's ``.eval_results/*.yaml`` files: ``dataset: {id, task_id, revision}``, ``value``,
and optional ``date``, ``source``, ``notes``, ``verifyToken``.

The format names a benchmark task (``task_id``), not a metric or a split: the benchmark's own definition
says which. Where the entry's notes name them (as ``harness publish`` writes them: "accuracy on
sst2/validation, …"), they are read from there; otherwise the claim goes to review. Parsed here because
the installed huggingface_hub predates its ``parse_eval_result_entries``.
"""

from __future__ import annotations

import re

import yaml

from harness.hubcards.found import Found, RawDataset
from harness.hubcards.readme import CardText

NOTE = re.compile(r"(?P<metric>[A-Za-z_ ]+?) on (?:(?P<config>[\w.\-]+)/)?(?P<split>[\w.\-]+)\b")


def read(card: CardText) -> tuple[list[Found], list[str]]:
    found: list[Found] = []
    problems: list[str] = []
    for path, text in card.eval_files:
        try:
            entries = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            problems.append(f"{path}: not valid YAML ({getattr(exc, 'problem', exc)}); skipped")
            continue
        if not isinstance(entries, list):
            problems.append(f"{path}: expected a list of entries, found {type(entries).__name__}; skipped")
            continue
        for i, entry in enumerate(entries):
            item = _entry(entry, f"{path}[{i}]", problems)
            if item is not None:
                found.append(item)
    return found, problems


def _entry(entry, at: str, problems: list[str]) -> Found | None:
    dataset = entry.get("dataset") if isinstance(entry, dict) else None
    if not isinstance(dataset, dict) or not dataset.get("id") or entry.get("value") is None:
        problems.append(f"{at}: an entry needs 'dataset: {{id, task_id}}' and 'value', found {entry!r}; skipped")
        return None
    notes = str(entry.get("notes") or "")
    match = NOTE.search(notes)
    task_id = dataset.get("task_id")
    config = match["config"] if match and match["config"] else task_id
    return Found(
        kind="eval-results", at=at, metric=match["metric"].strip() if match else f"task {task_id!r}",
        value=entry["value"], verified=bool(entry.get("verifyToken")),
        dataset=RawDataset(id=str(dataset["id"]), config=None if config is None else str(config),
                           split=match["split"] if match else None, revision=dataset.get("revision")),
    )  # fmt: skip
