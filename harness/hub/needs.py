"""What the registry's claims read from the Hub: each repo, at which revision, and which of its files."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from harness.claims.model import Claim, ModelRef
from harness.claims.vocabulary import MODEL_SUPPORT_PATTERNS, TORCH_WEIGHT_FILES


class FilesMissing(LookupError):
    """A repo has no file for something a claim needs; the message names the repo, the files and the claims."""


@dataclass(frozen=True, kw_only=True)
class Artifact:
    """One repo the claims read, and which of its files.

    ``optional`` globs take every file they match (tokenizer files differ between models); each group
    of ``choices`` must be met by one alternative, the first present winning (safetensors before a
    pickle), and takes every file that alternative matches.
    """

    repo: str
    repo_type: str  # "model" or "dataset"
    revision: str | None  # what the card names; None is the default branch
    optional: tuple[str, ...]
    choices: tuple[tuple[str, ...], ...]
    claims: tuple[str, ...]  # the claim ids that read it, for messages

    @property
    def key(self) -> tuple[str, str]:
        return (self.repo_type, self.repo)

    def describe(self) -> str:
        return f"{self.repo_type} {self.repo}"

    def choose(self, available: Iterable[str], *, at: str) -> list[str]:
        """The files to use among ``available`` (a repo's listing at ``at``); FilesMissing names a gap."""
        names = sorted(set(available))
        chosen = {name for name in names if any(fnmatch.fnmatch(name, glob) for glob in self.optional)}
        for group in self.choices:
            found = next((m for glob in group if (m := fnmatch.filter(names, glob))), None)
            if found is None:
                raise FilesMissing(
                    f"{self.describe()} at {at} has no file matching {' or '.join(group)}, which claims "
                    f"{', '.join(self.claims)} read. Check the card's repo, revision and file names against the "
                    "repo's file listing on the Hub."
                )
            chosen.update(found)
        return sorted(chosen)


def artifacts(claims: Sequence[Claim]) -> list[Artifact]:
    """Every model and dataset the claims read, one entry per repo, files merged across claims."""
    merged: dict[tuple[str, str], Artifact] = {}

    def add(found: Artifact) -> None:
        known = merged.get(found.key)
        if known is not None and known.revision != found.revision:
            raise ValueError(
                f"{found.describe()} is named at revision {known.revision or 'main'} by claims "
                f"{', '.join(known.claims)} and at {found.revision or 'main'} by {', '.join(found.claims)}; "
                "one repo is read at one revision: make the cards agree."
            )
        if known is not None:
            found = Artifact(
                repo=found.repo, repo_type=found.repo_type, revision=found.revision,
                optional=tuple(dict.fromkeys(known.optional + found.optional)),
                choices=tuple(dict.fromkeys(known.choices + found.choices)),
                claims=tuple(dict.fromkeys(known.claims + found.claims)),
            )  # fmt: skip
        merged[found.key] = found

    for claim in claims:
        add(_model(claim.model, claim.file, claim))
        if claim.baseline is not None:
            add(_model(claim.baseline.model, claim.baseline.file, claim))
        if claim.dataset is not None and claim.checkable:
            ref = claim.dataset
            add(Artifact(repo=ref.repo, repo_type="dataset", revision=ref.revision, optional=(),
                         choices=((ref.files,),), claims=(claim.id,)))  # fmt: skip
    return sorted(merged.values(), key=lambda a: a.key)


def _model(model: ModelRef, file: str | None, claim: Claim) -> Artifact:
    weights = ((file,) if file else TORCH_WEIGHT_FILES) if claim.checkable else None
    return Artifact(
        repo=model.repo, repo_type="model", revision=model.revision, optional=MODEL_SUPPORT_PATTERNS,
        choices=(("config.json",), *([weights] if weights else [])), claims=(claim.id,),
    )  # fmt: skip
