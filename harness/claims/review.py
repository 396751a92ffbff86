"""Review notes: what an imported card could not settle by itself (which dataset, which model), with the
candidates a person picks from. A claim that depends on one stays not checkable until it is resolved."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.claims.model import ModelRef
from harness.claims.schema import CardReader, join_key

REVIEW_KEYS = ("review", "candidates")


@dataclass(frozen=True)
class Pending:
    """The review notes of a card's models and datasets, by their names in the card."""

    models: Mapping[str, str] = field(default_factory=dict)
    datasets: Mapping[str, str] = field(default_factory=dict)

    def notes_for(self, where: CardReader, key: str, raw: Mapping[str, Any]) -> list[str]:
        """Every note that keeps the claim ``raw`` from being checked: its own, its model's, its dataset's."""
        notes = []
        if raw.get("review") is not None:
            notes.append(where.text(raw, "review", key))
        if raw.get("model") in self.models:
            notes.append(f"models.{raw['model']}: {self.models[raw['model']]}")
        if raw.get("dataset") in self.datasets:
            notes.append(f"datasets.{raw['dataset']}: {self.datasets[raw['dataset']]}")
        return notes


NOTHING_PENDING = Pending()


def pending_note(where: CardReader, key: str, raw: Any) -> str | None:
    """A model's or dataset's review note with its numbered candidates; None when it has none."""
    if not isinstance(raw, dict) or raw.get("review") is None:
        return None
    note = where.text(raw, "review", key)
    candidates = raw.get("candidates") or []
    if not isinstance(candidates, list) or not all(isinstance(c, dict) for c in candidates):
        raise where.fail(join_key(key, "candidates"), f"expected a list of mappings, found {candidates!r}.")
    if not candidates:
        return note
    listed = "; ".join(f"{i}. {describe_candidate(c)}" for i, c in enumerate(candidates, 1))
    return f"{note} Candidates: {listed}."


def describe_candidate(candidate: Mapping[str, Any]) -> str:
    """ "repo config/split (N rows)" for a dataset, "repo" for a model."""
    text = str(candidate.get("repo", "?"))
    if "split" in candidate:
        text += f" {candidate.get('config') or ''}/{candidate['split']}".replace(" /", " ")
    if candidate.get("size"):
        text += f" ({candidate['size']} rows)"
    return text


def unresolved_model(name: str) -> ModelRef:
    """What a claim on a model still under review points at: no repo yet."""
    return ModelRef(repo=f"(needs review: models.{name})", revision=None)
