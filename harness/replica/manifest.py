"""The reference values a replica hub carries, computed when it was built, read when it is used."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.claims.model import Claim

MANIFEST = "harness-replica.json"


@dataclass(frozen=True)
class ReplicaExpectations:
    """Per claim and backend, the reference's prediction and score of every example (the mean of the
    scores is the expected value), or why the stand-in cannot check the claim.

    Nothing here is trusted beyond its numbers: a folder's manifest never vouches for its pickles
    (trust.py records what this harness built, outside any hub folder).
    """

    root: Path
    entries: dict[str, dict[str, dict[str, Any]]]
    size: str = "tiny"  # "true": the cards' dimensions with random weights (sizes and speed only)
    # What each referenced claim measures (measure_key) -> its id: a claim of another card (an imported
    # one) that measures the same model file, dataset split and metric shares its reference.
    measures: dict[str, str] | None = None


    @classmethod
    def find(cls, root: Path) -> ReplicaExpectations | None:
        path = root / MANIFEST
        if not path.exists():
            return None
        document = json.loads(path.read_text(encoding="utf-8"))
        about = document.get("about", {})
        return cls(
            root=root, entries=document["expected"], size=about.get("size", "tiny"), measures=about.get("measures")
        )

    def _entry(self, claim: Claim, backend: str) -> dict[str, Any] | None:
        """The claim's references on ``backend``: stored under its own id, or under the id of a claim that
        measures the same model file, split and metric (an imported card's claim)."""
        claim_id = claim.id if claim.id in self.entries else (self.measures or {}).get(measure_key(claim), claim.id)
        return self.entries.get(claim_id, {}).get(backend)

    def scores(self, claim: Claim, backend: str) -> list[float] | None:
        entry = self._entry(claim, backend)
        return None if entry is None or "scores" not in entry else entry["scores"]

    def predictions(self, claim: Claim, backend: str) -> list[str] | None:
        """The reference's prediction of every example: a label name, or an answer text."""
        entry = self._entry(claim, backend)
        return None if entry is None else entry.get("predictions")

    def reference(self, claim: Claim, backend: str) -> str | None:
        """Where the expected value came from, in words."""
        entry = self._entry(claim, backend)
        return None if entry is None else entry.get("reference")

    def held_to_card(self, claim: Claim, backend: str) -> bool:
        """Whether the stand-in reproduces the card's own figure (a size that follows from the
        architecture, or from the card's recipe reproduced), so the card's figure is the target."""
        entry = self._entry(claim, backend)
        return bool(entry and entry.get("card"))

    def not_checkable(self, claim: Claim, backend: str) -> str | None:
        """Why the stand-in cannot check this claim at all, if it cannot."""
        entry = self._entry(claim, backend)
        return None if entry is None else entry.get("not_checkable")


def measure_key(claim: Claim) -> str:
    """What a claim measures, whatever card states it: the model and file, the dataset split, the metric."""
    dataset = claim.dataset.describe() if claim.dataset else ""
    return f"{claim.model.repo}|{claim.file or ''}|{dataset}|{claim.metric}"


def write_manifest(
    root: Path, *, expected: dict[str, dict[str, dict[str, Any]]], about: dict[str, Any], claims: Iterable[Claim]
) -> None:
    """The references, with what each referenced claim measures (so a claim of another card finds them)."""
    measures = {measure_key(c): c.id for c in claims if c.id in expected}
    document = {"about": {**about, "measures": measures}, "expected": expected}
    (root / MANIFEST).write_text(json.dumps(document, indent=1, sort_keys=True), encoding="utf-8")
