"""A memory of past runs: one JSON file per run in a history folder, and per-example predictions files.

A history entry holds the run's verdicts (with model and dataset revisions), when it finished, the
project's git commit, the libraries' versions, the machine (CPU model, cores, GPU), and each claim's
per-example results (index, text excerpt, prediction, reference, score), so that a later run can ask
whether a claim got significantly worse on the same rows, and ``harness diff`` can name what flipped.
A ``verdicts.json`` is read the same way; its per-example results are in the predictions folder it
names (``--harness-predictions``), if any.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from harness.machine import cpu_model

FORMAT = 1
LIBRARIES = ("harness", "torch", "transformers", "onnxruntime", "optimum", "datasets", "huggingface_hub", "numpy",
             "neural-compressor", "openvino")  # fmt: skip
COLUMNS = ("index", "text", "prediction", "reference", "score")


class HistoryError(ValueError):
    """A file that is not a run's verdicts or history entry; the message says which and why."""


@dataclass(frozen=True)
class Run:
    path: Path
    about: dict[str, Any]
    claims: list[dict[str, Any]]
    examples: dict[str, dict[str, list[Any]]] = field(default_factory=dict)  # "claim_id|backend" -> columns

    @property
    def label(self) -> str:
        commit = (self.about.get("git_commit") or "")[:8]
        return f"{self.about.get('finished', '?')}" + (f" ({commit})" if commit else "")

    def verdict(self, claim_id: str, backend: str) -> dict[str, Any] | None:
        return next((v for v in self.claims if v["claim_id"] == claim_id and v["backend"] == backend), None)


def key(claim_id: str, backend: str) -> str:
    return f"{claim_id}|{backend}"


def fingerprint(root: Path) -> dict[str, Any]:
    """What a run ran on: the project's commit, the libraries, the machine."""
    return {"git_commit": _git(root, "rev-parse", "HEAD"), "git_dirty": bool(_git(root, "status", "--porcelain")),
            "libraries": _libraries(), "machine": _machine()}  # fmt: skip


def append(folder: Path, *, claims: list[dict[str, Any]], about: Mapping[str, Any],
           examples: Mapping[str, dict[str, list[Any]]], root: Path) -> Path:  # fmt: skip
    """Write this run as a new entry of ``folder``; nothing there is overwritten."""
    folder.mkdir(parents=True, exist_ok=True)
    document = {"format": FORMAT, "about": {**about, **fingerprint(root)}, "claims": claims, "examples": examples}
    stem = re.sub(r"[^0-9A-Za-z]+", "-", str(about.get("finished", "run"))).strip("-")
    n = 1  # runs that finish in the same second get the next number; names sort in the order they ran
    while (path := folder / f"{stem}-{n:02d}.json").exists():
        n += 1
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def entries(folder: Path) -> list[Path]:
    """The folder's runs, oldest first (their names start with the time the run finished)."""
    if not folder.is_dir():
        raise HistoryError(f"{folder}: no such history folder; runs add to it with --harness-history {folder}")
    return sorted(p for p in folder.glob("*.json") if p.is_file())


def load(path: Path) -> Run:
    """A history entry, or a verdicts.json with the predictions folder it names."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HistoryError(f"{path}: cannot be read as a run's verdicts ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("claims"), list):
        raise HistoryError(
            f"{path}: not a run's verdicts: expected a JSON object with a 'claims' list, as --harness-json, "
            "--harness-report and --harness-history write"
        )
    # A history entry keeps the run's facts under "about"; verdicts.json keeps them at its top level.
    about = document.get("about") or {k: v for k, v in document.items() if k not in ("claims", "latency", "parity")}
    examples = document.get("examples")
    if examples is None and about.get("predictions"):
        examples = read_predictions(Path(about["predictions"]))
    return Run(path=path, about=about, claims=document["claims"], examples=examples or {})


def past_runs(folder: Path) -> list[Run]:
    """The runs of ``folder``, newest first; none when it does not exist yet (the first run fills it)."""
    return [load(path) for path in reversed(entries(folder))] if folder.is_dir() else []


def last_with(runs: list[Run], claim_id: str, backend: str) -> Run | None:
    """The most recent of ``runs`` (newest first) that kept this claim's per-example results."""
    return next((run for run in runs if key(claim_id, backend) in run.examples), None)


def write_predictions(folder: Path, examples: Mapping[str, dict[str, list[Any]]]) -> list[Path]:
    """One JSONL file per claim and backend, one line per example."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, columns in examples.items():
        path = folder / (name.replace("|", ".") + ".jsonl")
        with path.open("w", encoding="utf-8") as out:
            for values in zip(*(columns[c] for c in COLUMNS), strict=True):
                out.write(json.dumps(dict(zip(COLUMNS, values, strict=True)), ensure_ascii=False) + "\n")
        written.append(path)
    return written


def read_predictions(folder: Path) -> dict[str, dict[str, list[Any]]]:
    found: dict[str, dict[str, list[Any]]] = {}
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else ():
        claim_id, _, backend = path.stem.rpartition(".")
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        found[key(claim_id, backend)] = {c: [line[c] for line in lines] for c in COLUMNS}
    return found


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _libraries() -> dict[str, str]:
    found = {}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def _machine() -> dict[str, Any]:
    gpu = None
    torch = sys.modules.get("torch")  # only if this run loaded it: asking costs nothing then
    if torch is not None and torch.cuda.is_available():
        gpu = torch.cuda.get_device_name(0)
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "gpu": gpu, "system": platform.platform(),
            "python": platform.python_version()}  # fmt: skip
