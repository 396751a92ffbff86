"""`harness publish`: what the harness measured, as ``.eval_results`` entries in the model repo's own
format, written to a folder or opened as a pull request on the Hub.

Only a claim that passed against the card's figure on the real artifact is published as a result: a
failed, skipped or not-checkable claim has no result to show, and a stand-in's measurement is not the
model's. Each entry names the dataset and its revision, the value, the date, the report it came from,
and, in its notes, the metric, split, backend, sample size, harness version and verdict.
"""

from __future__ import annotations

import datetime
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

RESULTS_FILE = ".eval_results/harness.yaml"
REPORT_FILE = ".eval_results/harness-report.md"


@dataclass(frozen=True, kw_only=True)
class Publication:
    entries: list[dict[str, Any]]
    left_out: list[str]  # "claim [backend]: why", for every verdict not published


def entries_for(verdicts_path: Path, repo_id: str) -> Publication:
    document = json.loads(verdicts_path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or not isinstance(document.get("claims"), list):
        raise ValueError(f"{verdicts_path} is not a harness verdicts file (no 'claims'); write one with --harness-json")
    version = document.get("harness", "unknown")
    date = document.get("finished") or _mtime(verdicts_path)
    entries, left_out = [], []
    for verdict in document["claims"]:
        if verdict.get("model") != repo_id:
            continue
        why = _not_publishable(verdict)
        if why:
            left_out.append(f"{verdict.get('claim_id')} [{verdict.get('backend')}]: {why}")
            continue
        entries.append(_entry(verdict, repo_id, version=version, date=date))
    return Publication(entries=entries, left_out=left_out)


def _not_publishable(verdict: dict[str, Any]) -> str | None:
    if verdict.get("mode") != "card":
        return "measured on a stand-in, not on the model: never published"
    if verdict.get("status") != "pass":
        return f"status {verdict.get('status')}: only a claim that held is published"
    if verdict.get("baseline"):
        return "a relative claim, judged against another model and not a figure of the card: never published"
    if verdict.get("measured") is None or not verdict.get("dataset"):
        return "no measurement on a dataset"
    return None


def _entry(verdict: dict[str, Any], repo_id: str, *, version: str, date: str) -> dict[str, Any]:
    repo, config, split = split_dataset(verdict["dataset"])
    n, total = verdict.get("n"), verdict.get("n_total")
    sample = f"{n} of {total} examples" if n != total else f"all {n} examples"
    notes = (f"{verdict['metric']} on {config + '/' if config else ''}{split}, backend {verdict['backend']}, {sample}, "
             f"harness {version}, verdict {verdict['status']} (the card claims {verdict.get('claimed')}, "
             f"tolerance {verdict.get('tolerance')}; claim {verdict['claim_id']})")  # fmt: skip
    dataset: dict[str, Any] = {"id": repo, "task_id": config or "default"}
    if verdict.get("dataset_revision"):
        dataset["revision"] = verdict["dataset_revision"]
    return {
        "dataset": dataset, "value": verdict["measured"], "date": date,
        "source": {"url": f"https://huggingface.co/{repo_id}/blob/main/{REPORT_FILE}", "name": "harness report"},
        "notes": notes,
    }  # fmt: skip


def split_dataset(described: str) -> tuple[str, str | None, str]:
    """ "nyu-mll/glue sst2/validation" -> (repo, config, split), as ``DatasetRef.describe`` writes it."""
    if " " in described:
        repo, rest = described.split(" ", 1)
        config, _, split = rest.rpartition("/")
        return repo, config or None, split
    repo, _, split = described.rpartition("/")
    return repo, None, split


def write(publication: Publication, out: Path, *, report: Path | None, force: bool = False) -> list[Path]:
    """The entries (and the report they point to) under ``out``, as they would sit in the repo."""
    target = out / RESULTS_FILE
    if target.exists() and not force:
        raise FileExistsError(f"{target} exists; pass --force to replace it, or choose another --out")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(publication.entries, sort_keys=False, width=120), encoding="utf-8")
    written = [target]
    if report is not None and report.is_file():
        shutil.copyfile(report, out / REPORT_FILE)
        written.append(out / REPORT_FILE)
    return written


def open_pull_request(folder: Path, repo_id: str, *, endpoint: str | None, count: int) -> str:
    """Commit the written files to ``repo_id`` as a pull request; returns its URL."""
    from huggingface_hub import CommitOperationAdd, HfApi

    operations = [
        CommitOperationAdd(path_in_repo=name, path_or_fileobj=str(folder / name))
        for name in (RESULTS_FILE, REPORT_FILE)
        if (folder / name).is_file()
    ]
    info = HfApi(endpoint=endpoint).create_commit(
        repo_id, operations, commit_message=f"Add {count} evaluation results measured by harness",
        commit_description="Results of claims that held against the card's figures; see the report for how each "
        "was measured.", create_pr=True,
    )  # fmt: skip
    return info.pr_url


def _mtime(path: Path) -> str:
    stamp = datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.UTC)
    return stamp.isoformat(timespec="seconds")
