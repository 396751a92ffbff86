"""Resolve a repo id and revision to a local snapshot folder through the Hugging Face Hub cache.

With a lock, a repo resolves to its pinned commit, every file is checked against its pinned sha256
before anything loads it, and the folder handed out holds only the pinned files.
"""

from __future__ import annotations

import fnmatch
import glob
import hashlib
import shlex
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.errors import CannotCheck
from harness.hub.lock import Lock, NotLocked, Pinned, verify


class ArtifactMissing(CannotCheck, LookupError):
    """An artifact is neither in the local cache nor reachable; the message says how to fetch it."""

    def __init__(self, *, repo: str, repo_type: str, revision: str | None, what: str, fetch: str) -> None:
        self.repo = repo
        self.repo_type = repo_type
        self.revision = revision
        self.fetch = fetch
        super().__init__(
            f"{repo_type} {repo} at revision {revision or 'main'} is not available: {what}. Fetch it with: {fetch}"
        )


@dataclass(frozen=True, kw_only=True)
class HubLocation:
    """Where artifacts are looked up: a Hub cache folder, whether the network may be used, and the pins."""

    cache_dir: Path | None  # None: the cache that HF_HOME / HF_HUB_CACHE configure
    offline: bool
    label: str
    endpoint: str | None = None  # None: huggingface_hub's own (HF_ENDPOINT when it was imported)
    lock: Lock | None = None  # pinned commits and file digests; None: the cards' revisions, unchecked
    strict: bool = False  # load nothing the lock does not pin (a missing lock pins nothing)
    lock_path: Path | None = None  # where the lock is, or would be, for messages
    views: Path | None = None  # where folders of only-pinned files are made (needed with a lock)

    def fetch_command(self, repo: str, *, repo_type: str, revision: str | None, patterns: Sequence[str]) -> str:
        words = ["hf", "download", repo]
        if repo_type != "model":
            words += ["--repo-type", repo_type]
        if revision:
            words += ["--revision", revision]
        if patterns:
            words += ["--include", *patterns]
        if self.cache_dir is not None:
            words += ["--cache-dir", str(self.cache_dir)]
        return shlex.join(words)

    def pinned(self, repo: str, repo_type: str) -> Pinned | None:
        """The lock's entry for a repo; in strict mode, NotLocked when there is none."""
        found = self.lock.find(repo, repo_type) if self.lock else None
        if found is None and self.strict:
            where = self.lock_path or "harness.lock"
            why = f"{where} does not pin it" if self.lock else f"there is no lock at {where}"
            raise NotLocked(
                f"strict mode loads only files pinned by a lock, and {why} ({repo_type} {repo}). Run "
                "`harness fetch && harness lock` where the Hub is reachable, review and commit the lock."
            )
        return found


@dataclass(frozen=True, kw_only=True)
class Snapshot:
    repo: str
    repo_type: str
    revision: str  # the resolved commit SHA
    path: Path

    def matching(self, pattern: str) -> list[Path]:
        return sorted(
            p
            for p in self.path.rglob("*")
            if p.is_file() and fnmatch.fnmatch(p.relative_to(self.path).as_posix(), pattern)
        )


@contextmanager
def hub_errors(missing: Callable[[str], Exception], *, label: str, offline: bool) -> Iterator[None]:
    """Turn huggingface_hub's errors into ``missing(what)``: a sentence naming the repo and the fix."""
    import requests  # huggingface_hub's HTTP client
    from huggingface_hub.errors import (
        EntryNotFoundError,
        GatedRepoError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    try:
        yield
    except GatedRepoError:
        raise missing("the repository is gated; accept its terms on the Hub and log in with `hf auth login`") from None
    except RepositoryNotFoundError:
        raise missing("no such repository on the Hub (renamed without a redirect, deleted or private)") from None
    except RevisionNotFoundError:
        raise missing("the repository has no such revision") from None
    # Before EntryNotFoundError, which it subclasses.
    except LocalEntryNotFoundError:
        where = label if offline else f"{label}, and the Hub could not be reached"
        raise missing(f"not in the Hub cache ({where})") from None
    except EntryNotFoundError as exc:
        raise missing(f"a file is not in the repository ({_first_line(exc)})") from None
    except HfHubHTTPError as exc:
        raise missing(f"the Hub answered {_first_line(exc)}") from None
    except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
        raise missing(
            f"the download was interrupted ({_first_line(exc)}); run it again: it resumes from the bytes already "
            "downloaded"
        ) from None


def resolve(
    repo: str,
    *,
    location: HubLocation,
    revision: str | None,
    patterns: Sequence[str],
    required: Sequence[Sequence[str]] = (),
    repo_type: str = "model",
) -> Snapshot:
    """Return the snapshot holding ``patterns``; each group in ``required`` needs one file present.

    A group is a list of alternatives (``["model.safetensors", "pytorch_model.bin"]``) or one glob.
    Raises LockMismatch when a pinned file's bytes differ from the lock.
    """
    pinned = location.pinned(repo, repo_type)
    if pinned is not None:
        return _resolve_pinned(pinned, location=location, patterns=patterns, required=required)
    fetch = location.fetch_command(repo, repo_type=repo_type, revision=revision, patterns=patterns)

    def missing(what: str) -> ArtifactMissing:
        return ArtifactMissing(repo=repo, repo_type=repo_type, revision=revision, what=what, fetch=fetch)

    snapshot = _download(repo, repo_type, revision, patterns, location, missing, required=required)
    for group in required:
        if not any(snapshot.matching(name) for name in group):
            raise missing(f"the cached snapshot {snapshot.revision} has no file matching {' or '.join(group)}")
    return snapshot


def _download(repo, repo_type, revision, patterns, location: HubLocation, missing, *, required=()) -> Snapshot:
    # Imported here: the plugin loads this module and must stay light until a claim is checked.
    from huggingface_hub import HfApi, snapshot_download

    with hub_errors(missing, label=location.label, offline=location.offline):
        if not location.offline:
            info = HfApi(endpoint=location.endpoint).repo_info(repo, repo_type=repo_type, revision=revision)
            patterns = first_alternatives(patterns, required, [s.rfilename for s in info.siblings or []])
        folder = snapshot_download(
            repo,
            repo_type=repo_type,
            revision=revision,
            cache_dir=location.cache_dir,
            allow_patterns=list(patterns),
            local_files_only=location.offline,
            endpoint=location.endpoint,
        )
    return Snapshot(repo=repo, repo_type=repo_type, revision=Path(folder).name, path=Path(folder))


def first_alternatives(patterns: Sequence[str], required: Sequence[Sequence[str]], listing: Sequence[str]) -> list[str]:
    """``patterns`` less the alternatives a repo does not need: of each required group, only the first
    alternative the listing holds (a repo with both weight formats gives its safetensors only)."""
    import fnmatch

    dropped: set[str] = set()
    for group in required:
        present = [glob for glob in group if fnmatch.filter(listing, glob)]
        dropped.update(present[1:])
    return [pattern for pattern in patterns if pattern not in dropped]


def _resolve_pinned(
    pinned: Pinned, *, location: HubLocation, patterns: Sequence[str], required: Sequence[Sequence[str]]
) -> Snapshot:
    """The pinned commit's files that ``patterns`` match, each checked, in a folder of only those."""
    names = sorted(n for n in pinned.files if any(fnmatch.fnmatch(n, p) for p in patterns))
    lock = location.lock_path or "harness.lock"
    for group in required:
        if not any(fnmatch.fnmatch(n, p) for n in names for p in group):
            raise NotLocked(
                f"{pinned.describe()}: {lock} pins no file matching {' or '.join(group)}. Run `harness fetch "
                "--update && harness lock --update` and review the change."
            )
    fetch = location.fetch_command(pinned.repo, repo_type=pinned.repo_type, revision=pinned.commit, patterns=names)

    def missing(what: str) -> ArtifactMissing:
        return ArtifactMissing(repo=pinned.repo, repo_type=pinned.repo_type, revision=pinned.commit, what=what,
                               fetch=fetch)  # fmt: skip

    exact = [glob.escape(name) for name in names]
    snapshot = _download(pinned.repo, pinned.repo_type, pinned.commit, exact, location, missing)
    absent = verify(snapshot.path, pinned, names, lock=Path(lock))
    if absent:
        raise missing(f"{', '.join(absent)}, pinned by {lock}, {'is' if len(absent) == 1 else 'are'} not in the "
                      f"cached snapshot")  # fmt: skip
    return Snapshot(repo=pinned.repo, repo_type=pinned.repo_type, revision=pinned.commit,
                    path=_view(snapshot.path, pinned, names, location))  # fmt: skip


def _view(folder: Path, pinned: Pinned, names: Sequence[str], location: HubLocation) -> Path:
    """A folder of links to exactly ``names``: what loads from it cannot read a file the lock does not pin."""
    assert location.views is not None, "a location with a lock names a folder for views"
    digest = hashlib.sha256(repr((pinned.key, pinned.commit, [(n, pinned.files[n]) for n in names])).encode())
    view = location.views / f"{pinned.repo.replace('/', '--')}-{pinned.commit[:12]}-{digest.hexdigest()[:12]}"
    if view.is_dir():
        return view
    staging = view.with_name(f"{view.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    for name in names:
        (staging / name).parent.mkdir(parents=True, exist_ok=True)
        (staging / name).symlink_to((folder / name).resolve())
    try:
        staging.rename(view)
    except OSError:  # another process made the same view first
        shutil.rmtree(staging, ignore_errors=True)
    return view


def _first_line(exc: Exception) -> str:
    return next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)


HUB_CHOICES = ("hub", "replica")


def check_hub_value(value: str) -> str:
    """Validate a --harness-hub value early; the message names the value and the allowed forms."""
    if value in HUB_CHOICES or Path(value).is_dir():
        return value
    raise ValueError(
        f"{value!r} is neither 'hub', 'replica' nor an existing directory. Pass 'hub' (the Hub cache "
        "HF_HOME configures), 'replica' (build stand-ins offline) or an HF_HOME-style directory such as "
        "one written by `harness replica --out DIR`."
    )
