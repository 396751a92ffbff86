"""What the on-disk caches share: keys made from what decides an entry, and entries written whole.

A file's identity is the sha256 of its bytes, never its name: a Hub cache blob edited in place
keeps its name, so a relabelled ``config.json`` would otherwise reuse the old predictions. Digests
are remembered per process while a file's inode, size and modification time stay (lockfile.sha256_of).
Every key also holds the versions of the libraries that change a result.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from harness import __version__
from harness.hub.lock import sha256_of

FORMAT = 1


class CorruptEntry(ValueError):
    """A cache entry that cannot be trusted: recomputed, never used."""


class EntryStore:
    """Entries named by their key, under ``root/<first two characters>/``."""

    suffix = ""

    def __init__(self, root: Path):
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}{self.suffix}"

    def clear(self) -> int:
        """Remove every entry; return how many there were."""
        entries = list(self.root.glob(f"*/*{self.suffix}")) if self.root.exists() else []
        for entry in entries:
            entry.unlink()
        for folder in sorted(self.root.glob("*"), reverse=True) if self.root.exists() else []:
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        return len(entries)


def write_atomically(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write beside ``path`` and rename: a reader never sees half an entry."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, suffix=".tmp", delete=False) as out:
        write(out)
    os.replace(out.name, path)


def file_identity(path: Path) -> str:
    return f"sha256:{sha256_of(path)}"


def folder_identity(folder: Path, files: Iterable[Path] | None = None) -> dict[str, str]:
    """Every file's identity under ``folder`` (or only ``files``), by relative path."""
    chosen = sorted(files) if files is not None else sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): file_identity(p) for p in chosen}


# Libraries whose version can change a prediction, a tokenization, an export or a quantization.
RESULT_LIBRARIES = (
    "torch", "transformers", "tokenizers", "onnx", "onnxruntime", "optimum", "optimum-onnx", "optimum-intel",
    "neural-compressor", "numpy", "openvino", "nncf",
)  # fmt: skip


def library_versions() -> dict[str, str | None]:
    """The installed version of each of RESULT_LIBRARIES (None where it is not installed)."""
    return dict(_installed_versions())


@functools.cache
def _installed_versions() -> tuple[tuple[str, str | None], ...]:
    from importlib import metadata

    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    return tuple((name, version(name)) for name in RESULT_LIBRARIES)


def key_of(parts: dict[str, Any]) -> str:
    identity = {"format": FORMAT, "harness": __version__, "code": code_identity(),
                "libraries": library_versions(), **parts}  # fmt: skip
    return hashlib.sha256(canonical(identity)).hexdigest()


@functools.cache
def code_identity() -> str:
    """The harness's own source, hashed: an edited engine, task or metric must not reuse old results
    even before the version number changes."""
    digest = hashlib.sha256()
    package = source_root()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def source_root() -> Path:
    """The harness package's folder (this module's grandparent), every module of which code_identity hashes."""
    return Path(__file__).parents[1]


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
