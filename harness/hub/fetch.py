"""Download what the claims read into the Hub cache, and pin it: ``harness fetch`` and ``harness lock``."""

from __future__ import annotations

import glob
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.hub.lock import LockMismatch, Pinned, git_blob_id, sha256_of, verify
from harness.hub.needs import Artifact
from harness.hub.resolve import ArtifactMissing, HubLocation, hub_errors


@dataclass(frozen=True, kw_only=True)
class Fetched:
    artifact: Artifact
    commit: str
    files: tuple[str, ...]
    path: Path
    moved_to: str | None  # the Hub answered for the repo under another id: the card should follow

    def describe(self) -> str:
        return f"{self.artifact.describe()}@{self.commit[:12]}: {len(self.files)} files"


def fetch(artifact: Artifact, location: HubLocation, *, pinned: Pinned | None = None) -> Fetched:
    """Download the artifact's files (the pinned ones at the pinned commit, when pinned), resuming
    any partial download the cache holds. Raises ArtifactMissing, FilesMissing or LockMismatch."""
    from huggingface_hub import HfApi, snapshot_download

    revision = pinned.commit if pinned else artifact.revision
    missing = _missing(artifact, revision, location)
    with hub_errors(missing, label=location.label, offline=location.offline):
        info = HfApi(endpoint=location.endpoint).repo_info(
            artifact.repo, repo_type=artifact.repo_type, revision=revision
        )
        listing = [sibling.rfilename for sibling in info.siblings or []]
        if pinned is not None:
            absent = sorted(set(pinned.files) - set(listing))
            if absent:
                raise missing(f"the pinned commit has no {', '.join(absent)} any more")
            files = sorted(pinned.files)
        else:
            files = artifact.choose(listing, at=f"revision {info.sha}")
        folder = Path(snapshot_download(
            artifact.repo, repo_type=artifact.repo_type, revision=revision, cache_dir=location.cache_dir,
            allow_patterns=[glob.escape(name) for name in files], endpoint=location.endpoint,
        ))  # fmt: skip
    if pinned is not None:
        verify(folder, pinned, files, lock=location.lock_path or Path("harness.lock"))
    moved = info.id if info.id and info.id != artifact.repo else None
    return Fetched(artifact=artifact, commit=folder.name, files=tuple(files), path=folder, moved_to=moved)


@dataclass(frozen=True, kw_only=True)
class Planned:
    artifact: Artifact
    commit: str
    files: tuple[tuple[str, int | None], ...]  # each file and its size in bytes, where the Hub gives it

    def describe(self) -> list[str]:
        total = sum(size or 0 for _, size in self.files)
        count = f"{len(self.files)} file{'' if len(self.files) == 1 else 's'}"
        lines = [f"{self.artifact.describe()}@{self.commit[:12]}: {count}, {_size(total)}"]
        lines += [f"    {name}  {_size(size)}" for name, size in self.files]
        return lines


def plan(artifact: Artifact, location: HubLocation, *, pinned: Pinned | None = None) -> Planned:
    """What ``fetch`` would download, from the Hub's listing of the repo; downloads nothing."""
    from huggingface_hub import HfApi

    revision = pinned.commit if pinned else artifact.revision
    missing = _missing(artifact, revision, location)
    with hub_errors(missing, label=location.label, offline=location.offline):
        info = HfApi(endpoint=location.endpoint).repo_info(
            artifact.repo, repo_type=artifact.repo_type, revision=revision, files_metadata=True
        )
    sizes = {sibling.rfilename: sibling.size for sibling in info.siblings or []}
    names = sorted(pinned.files) if pinned else artifact.choose(sizes, at=f"revision {info.sha}")
    return Planned(artifact=artifact, commit=info.sha or "", files=tuple((name, sizes.get(name)) for name in names))


def _size(size: int | None) -> str:
    if size is None:
        return "size unknown"
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def pin(artifact: Artifact, location: HubLocation) -> Pinned:
    """The artifact as the cache holds it now (after ``fetch``): its commit and each used file's sha256.

    When the Hub is reachable, each digest is also checked against the Hub's own record of the file
    (the LFS sha256, or the git blob id of a small file): a corrupted download is never pinned.
    """
    from huggingface_hub import snapshot_download

    missing = _missing(artifact, artifact.revision, location)
    with hub_errors(missing, label=location.label, offline=True):
        folder = Path(snapshot_download(
            artifact.repo, repo_type=artifact.repo_type, revision=artifact.revision, cache_dir=location.cache_dir,
            local_files_only=True,
        ))  # fmt: skip
    present = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
    files = artifact.choose(present, at=f"the cached snapshot {folder.name}")
    pinned = Pinned(repo=artifact.repo, repo_type=artifact.repo_type, commit=folder.name,
                    files={name: sha256_of(folder / name) for name in files})  # fmt: skip
    if not location.offline:
        _check_with_hub(pinned, folder, location, missing)
    return pinned


def _check_with_hub(pinned: Pinned, folder: Path, location: HubLocation, missing) -> None:
    from huggingface_hub import HfApi

    with hub_errors(missing, label=location.label, offline=False):
        info = HfApi(endpoint=location.endpoint).repo_info(
            pinned.repo, repo_type=pinned.repo_type, revision=pinned.commit, files_metadata=True
        )
    recorded = {s.rfilename: s for s in info.siblings or []}
    for name, digest in pinned.files.items():
        sibling = recorded.get(name)
        if sibling is None:
            raise missing(f"the Hub lists no {name} at commit {pinned.commit}")
        if sibling.lfs is not None:
            expected, found, kind = sibling.lfs.sha256, digest, "sha256"
        elif sibling.blob_id is not None:
            expected, found, kind = sibling.blob_id, git_blob_id((folder / name).read_bytes()), "git blob id"
        else:
            continue
        if expected != found:
            raise LockMismatch(
                f"{pinned.describe()}: the cached {name} has {kind} {found}, but the Hub records {expected}: the "
                f"download is corrupted. Delete {(folder / name).resolve()} and run `harness fetch` again."
            )


def _missing(artifact: Artifact, revision: str | None, location: HubLocation):
    patterns: Sequence[str] = [*artifact.optional, *(g for group in artifact.choices for g in group)]
    command = location.fetch_command(artifact.repo, repo_type=artifact.repo_type, revision=revision, patterns=patterns)

    def missing(what: str) -> ArtifactMissing:
        return ArtifactMissing(repo=artifact.repo, repo_type=artifact.repo_type, revision=revision, what=what,
                               fetch=command)  # fmt: skip

    return missing
