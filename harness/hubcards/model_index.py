"""Results in a card's ``model-index`` front matter (or its older spelling ``model_index``).

Read by hand rather than with ``huggingface_hub``'s ``model_index_to_eval_results``: that one requires a
``dataset`` block on every result and drops all of a card's results when one lacks it (as
Dynamic-TinyBERT's does), and it does not read ``model_index`` or a singular ``metric:`` mapping.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from harness.hubcards.found import CardImportError, Found, RawDataset
from harness.hubcards.readme import CardText

KEYS = ("model-index", "model_index")


def read(card: CardText) -> tuple[list[Found], list[str]]:
    found: list[Found] = []
    problems: list[str] = []
    for key in KEYS:
        if key not in card.front:
            continue
        entries = card.front[key]
        if entries is None:
            continue
        if isinstance(entries, dict):
            entries = [entries]
        if not isinstance(entries, list):
            raise CardImportError(
                f"{card.where}: '{key}' must be a list of models, each with 'results'; found a "
                f"{type(entries).__name__}."
            )
        for i, entry in enumerate(entries):
            for at, result in _results(entry, f"{key}[{i}]", problems):
                found.extend(_metrics(result, at, problems))
    return found, problems


def _results(entry: Any, at: str, problems: list[str]) -> Iterator[tuple[str, dict]]:
    if not isinstance(entry, dict):
        problems.append(f"{at}: expected a mapping with 'name' and 'results', found {type(entry).__name__}; skipped")
        return
    results = entry.get("results")
    if results is None or results == []:
        return
    if isinstance(results, dict):
        results = [results]
    if not isinstance(results, list):
        problems.append(f"{at}.results: expected a list, found {type(results).__name__}; skipped")
        return
    for j, result in enumerate(results):
        if isinstance(result, dict):
            yield f"{at}.results[{j}]", result
        else:
            problems.append(f"{at}.results[{j}]: expected a mapping, found {type(result).__name__}; skipped")


def _metrics(result: dict, at: str, problems: list[str]) -> list[Found]:
    task = result.get("task")
    task_type = task.get("type") if isinstance(task, dict) else task if isinstance(task, str) else None
    dataset = _dataset(result.get("dataset"), at, problems)
    metrics = result.get("metrics", result.get("metric"))
    key = "metrics" if "metrics" in result else "metric"
    if isinstance(metrics, dict):
        metrics = [metrics]
    if not isinstance(metrics, list):
        problems.append(f"{at}: no 'metrics' list (found {metrics!r}); skipped")
        return []
    found = []
    for k, metric in enumerate(metrics):
        where = f"{at}.{key}[{k}]" if key == "metrics" else f"{at}.metric"
        if not isinstance(metric, dict) or metric.get("type") is None or metric.get("value") is None:
            problems.append(f"{where}: a metric needs 'type' and 'value', found {metric!r}; skipped")
            continue
        found.append(Found(
            kind="model-index", at=where, metric=str(metric["type"]), value=metric["value"], task=task_type,
            dataset=dataset, verified=metric.get("verified") is True,
        ))  # fmt: skip
    return found


def _dataset(raw: Any, at: str, problems: list[str]) -> RawDataset | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(f"{at}.dataset: expected a mapping with 'type' (the dataset's Hub id), found {raw!r}")
        return None
    config = raw.get("config")
    args = raw.get("args")
    if config is None and isinstance(args, str):
        config = args  # older cards give the config as 'args'
    elif config is None and isinstance(args, dict):
        config = args.get("config") or args.get("name")
    return RawDataset(
        id=_text(raw.get("type")), name=_text(raw.get("name")), config=_text(config), split=_text(raw.get("split")),
        revision=_text(raw.get("revision")),
    )  # fmt: skip


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
