"""Resolve a repo id and revision to a local snapshot folder through the Hugging Face Hub cache."""

from __future__ import annotations

import fnmatch
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Files a model folder needs besides its weights: config, tokenizer, special tokens.
MODEL_SUPPORT_PATTERNS = ("*.json", "*.txt", "*.model")
# Preferred first: safetensors cannot execute code when loaded.
TORCH_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


class ArtifactMissing(LookupError):
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
    """Where artifacts are looked up: a Hub cache folder and whether the network may be used."""

    cache_dir: Path | None  # None: the cache that HF_HOME / HF_HUB_CACHE configure
    offline: bool
    label: str

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
    """
    # Imported here: the plugin loads this module and must stay light until a claim is checked.
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    fetch = location.fetch_command(repo, repo_type=repo_type, revision=revision, patterns=patterns)

    def missing(what: str) -> ArtifactMissing:
        return ArtifactMissing(repo=repo, repo_type=repo_type, revision=revision, what=what, fetch=fetch)

    try:
        folder = snapshot_download(
            repo,
            repo_type=repo_type,
            revision=revision,
            cache_dir=location.cache_dir,
            allow_patterns=list(patterns),
            local_files_only=location.offline,
        )
    except GatedRepoError:
        raise missing("the repository is gated; accept its terms on the Hub and log in with `hf auth login`") from None
    except RepositoryNotFoundError:
        raise missing("no such repository on the Hub (renamed, deleted or private)") from None
    except RevisionNotFoundError:
        raise missing("the repository has no such revision") from None
    except LocalEntryNotFoundError:
        where = location.label if location.offline else f"{location.label}, and the Hub could not be reached"
        raise missing(f"not in the Hub cache ({where})") from None
    except HfHubHTTPError as exc:
        raise missing(f"the Hub answered {exc}") from None
    snapshot = Snapshot(repo=repo, repo_type=repo_type, revision=Path(folder).name, path=Path(folder))
    for group in required:
        if not any(snapshot.matching(name) for name in group):
            raise missing(f"the cached snapshot {snapshot.revision} has no file matching {' or '.join(group)}")
    return snapshot
