"""The readers of claims in a card, by source kind: a new source is a module with ``read(card)`` and a line here."""

from __future__ import annotations

import importlib

from harness.hubcards.found import Found
from harness.hubcards.readme import CardText

SOURCES = {
    "model-index": "harness.hubcards.model_index:read",
    "eval-results": "harness.hubcards.eval_results:read",
    "trainer-text": "harness.hubcards.trainer_text:read",
    "table": "harness.hubcards.tables:read",
}


def read_all(card: CardText) -> tuple[list[Found], list[str]]:
    """Every result every source finds, in source order, and the entries each had to skip (and why)."""
    found: list[Found] = []
    problems: list[str] = []
    for target in SOURCES.values():
        module, _, name = target.partition(":")
        items, skipped = getattr(importlib.import_module(module), name)(card)
        found.extend(items)
        problems.extend(skipped)
    return found, problems
