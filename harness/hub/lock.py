"""``harness.lock``: the commit and sha256 of every file the claims use, and checking files against it."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.errors import CannotCheck, Refused

LOCK_NAME = "harness.lock"
FORMAT = 1
_SHA = frozenset("0123456789abcdef")


class LockError(ValueError):
    """The lock file cannot be read; the message names the file, the entry and the fix."""


class LockMismatch(Refused, RuntimeError):
    """A file's bytes differ from the sha256 the lock pins: a changed or corrupted download."""


class NotLocked(CannotCheck, LookupError):
    """Strict mode loads only pinned files, and the lock does not pin this artifact (or there is no lock)."""


@dataclass(frozen=True, kw_only=True)
class Pinned:
    """One repo at one commit, and the sha256 of each file of it that the claims use."""

    repo: str
    repo_type: str  # "model" or "dataset"
    commit: str
    files: Mapping[str, str]  # path in the repo -> sha256 hex

    @property
    def key(self) -> tuple[str, str]:
        return (self.repo_type, self.repo)

    def describe(self) -> str:
        return f"{self.repo_type} {self.repo}@{self.commit[:12]}"


@dataclass(frozen=True, kw_only=True)
class Lock:
    path: Path
    artifacts: Mapping[tuple[str, str], Pinned]

    @classmethod
    def of(cls, path: Path, pinned: Iterable[Pinned]) -> Lock:
        return cls(path=path, artifacts={p.key: p for p in pinned})

    def find(self, repo: str, repo_type: str) -> Pinned | None:
        return self.artifacts.get((repo_type, repo))

    @property
    def trusted_sha256(self) -> frozenset[str]:
        """Every pinned digest: a reviewed lock vouches for these bytes."""
        return frozenset(d for p in self.artifacts.values() for d in p.files.values())

    def to_text(self) -> str:
        entries = [
            {"repo": p.repo, "type": p.repo_type, "commit": p.commit, "files": dict(sorted(p.files.items()))}
            for p in sorted(self.artifacts.values(), key=lambda p: p.key)
        ]
        return json.dumps({"format": FORMAT, "artifacts": entries}, indent=2) + "\n"

    def write(self) -> None:
        staging = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        staging.write_text(self.to_text(), encoding="utf-8")
        staging.replace(self.path)

    @classmethod
    def read(cls, path: Path) -> Lock:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise LockError(f"{path}: not valid JSON ({exc}). Restore it from version control, or write it "
                            "again with `harness lock --update`.") from None  # fmt: skip
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            found = document.get("format") if isinstance(document, dict) else type(document).__name__
            raise LockError(f"{path}: expected a harness lock of format {FORMAT}, found format {found!r}. "
                            "Write it again with `harness lock --update`.")  # fmt: skip
        return cls.of(path, (_entry(path, i, e) for i, e in enumerate(document.get("artifacts", []))))


def _entry(path: Path, index: int, entry: object) -> Pinned:
    where = f"{path}: artifacts[{index}]"
    if not isinstance(entry, dict) or not {"repo", "type", "commit", "files"} <= entry.keys():
        raise LockError(f"{where}: expected an object with repo, type, commit and files, found {entry!r}")
    commit, files = entry["commit"], entry["files"]
    if not (isinstance(commit, str) and len(commit) == 40 and set(commit) <= _SHA):
        raise LockError(f"{where}: commit {commit!r} is not a 40-character commit SHA")
    if entry["type"] not in ("model", "dataset"):
        raise LockError(f"{where}: type {entry['type']!r} is neither 'model' nor 'dataset'")
    bad = [name for name, digest in (files.items() if isinstance(files, dict) else [("files", files)])
           if not (isinstance(digest, str) and len(digest) == 64 and set(digest) <= _SHA)]  # fmt: skip
    if bad:
        raise LockError(f"{where} ({entry['repo']}): {', '.join(map(repr, bad))} has no sha256 (64 hex digits)")
    return Pinned(repo=entry["repo"], repo_type=entry["type"], commit=commit, files=dict(files))


def differences(old: Lock, new: Lock) -> list[str]:
    """What rewriting ``old`` as ``new`` would change, one line per artifact, for a reviewer."""
    lines = []
    for key in sorted(old.artifacts.keys() | new.artifacts.keys()):
        before, after = old.artifacts.get(key), new.artifacts.get(key)
        name = f"{key[0]} {key[1]}"
        if before is None or after is None:
            lines.append(f"{name}: {'added' if before is None else 'removed'}")
            continue
        if before.commit != after.commit:
            lines.append(f"{name}: commit {before.commit[:12]} -> {after.commit[:12]}")
        for file in sorted(before.files.keys() | after.files.keys()):
            a, b = before.files.get(file), after.files.get(file)
            if a != b:
                lines.append(f"{name}: {file} " + ("added" if a is None else "removed" if b is None else
                                                  f"sha256 {a[:12]} -> {b[:12]}"))  # fmt: skip
    return lines


def git_blob_id(data: bytes) -> str:
    """The id git (and the Hub) gives a file's bytes: sha1 of ``blob <size>\\0`` and the bytes."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


_DIGESTS: dict[tuple[str, int, int, int], str] = {}


def sha256_of(path: Path) -> str:
    """The file's sha256, remembered for this process while its size and modification time stay."""
    stat = path.stat()
    identity = (str(path.resolve()), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if identity not in _DIGESTS:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _DIGESTS[identity] = digest.hexdigest()
    return _DIGESTS[identity]


def verify(folder: Path, pinned: Pinned, names: Sequence[str], *, lock: Path) -> list[str]:
    """Check each of ``names`` in ``folder`` against its pinned sha256; returns the names not on disk.

    Raises LockMismatch, naming the file and both digests, for the first file whose bytes differ.
    """
    absent = []
    for name in names:
        path = folder / name
        if not path.is_file():
            absent.append(name)
            continue
        found, expected = sha256_of(path), pinned.files[name]
        if found != expected:
            raise LockMismatch(
                f"{pinned.describe()}: {name} has sha256 {found}, but {lock} pins {expected}. The file changed "
                f"or its download was corrupted ({path.resolve()}). Delete that file and fetch again "
                "(`harness fetch`); if the new bytes are intended, update the lock in a reviewed change "
                "(`harness lock --update`)."
            )
    return absent
