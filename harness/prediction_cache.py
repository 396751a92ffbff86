"""Per-example results of an evaluation, kept on disk so that a second run need not compute them.

An entry is keyed by everything that decides its content: the harness version and source, the model's
revision and the identity of each of its files, the backend, the dataset's revision and files, the
split, the examples evaluated and the task settings. Each entry carries a sha256 of its content;
an entry that does not parse, does not match its key or its checksum is reported and recomputed,
never trusted.

A file's identity is its Hub cache blob name when it is a link into ``blobs/`` (huggingface_hub
names blobs by their sha256 for LFS files, by their git hash otherwise, and checks them on
download), and the sha256 of its bytes otherwise (a local folder, or a file replaced in place).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from harness import __version__

FORMAT = 1


class CorruptEntry(ValueError):
    """A cache entry that cannot be trusted: recomputed, never used."""


@dataclass(frozen=True)
class Cached:
    scores: np.ndarray
    predictions: list[str]
    notes: tuple[str, ...]
    seconds: float
    features: int


def file_identity(path: Path) -> str:
    if path.is_symlink():
        target = path.resolve()
        if target.parent.name == "blobs":
            return f"blob:{target.name}"
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return f"sha256:{digest.hexdigest()}"


def folder_identity(folder: Path, files: Iterable[Path] | None = None) -> dict[str, str]:
    """Every file's identity under ``folder`` (or only ``files``), by relative path."""
    chosen = sorted(files) if files is not None else sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): file_identity(p) for p in chosen}


def key_of(parts: dict[str, Any]) -> str:
    identity = {"format": FORMAT, "harness": __version__, "code": code_identity(), **parts}
    return hashlib.sha256(_canonical(identity)).hexdigest()


@functools.cache
def code_identity() -> str:
    """The harness's own source, hashed: an edited engine or metric must not reuse old results even
    before the version number changes."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class PredictionCache:
    def __init__(self, root: Path):
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str, *, examples: int) -> Cached | None:
        """The entry for ``key``, or None when there is none. Raises CorruptEntry for an entry that is
        there but cannot be trusted (the caller recomputes and overwrites it)."""
        path = self.path(key)
        if not path.exists():
            return None
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            payload, checksum = document["payload"], document["sha256"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CorruptEntry(f"{path} is not a readable cache entry ({exc})") from None
        if hashlib.sha256(_canonical(payload)).hexdigest() != checksum:
            raise CorruptEntry(f"{path} does not match its checksum: changed or truncated since it was written")
        if payload.get("key") != key or len(payload.get("scores", ())) != examples:
            raise CorruptEntry(f"{path} holds another evaluation than its name says")
        return Cached(
            scores=np.asarray(payload["scores"], dtype=np.float64),
            predictions=list(payload["predictions"]),
            notes=tuple(payload["notes"]),
            seconds=float(payload["seconds"]),
            features=int(payload["features"]),
        )

    def put(self, key: str, *, scores: np.ndarray, predictions: Sequence[str], notes: Sequence[str],
            seconds: float, features: int) -> Path:  # fmt: skip
        payload = {
            "key": key, "scores": [float(s) for s in scores], "predictions": list(predictions), "notes": list(notes),
            "seconds": seconds, "features": features,
        }  # fmt: skip
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {"payload": payload, "sha256": hashlib.sha256(_canonical(payload)).hexdigest()}
        # Written beside and renamed: a reader never sees half an entry.
        with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False, encoding="utf-8") as out:
            json.dump(document, out)
        os.replace(out.name, path)
        return path

    def clear(self) -> int:
        """Remove every entry; return how many there were."""
        entries = list(self.root.glob("*/*.json")) if self.root.exists() else []
        for entry in entries:
            entry.unlink()
        for folder in sorted(self.root.glob("*"), reverse=True) if self.root.exists() else []:
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        return len(entries)


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
