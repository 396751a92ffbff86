"""The list the Trainer writes into a card: "It achieves the following results on the evaluation set:
- Loss: 0.7872 - Accuracy: 0.9206", and the dataset its first paragraph names."""

from __future__ import annotations

import re

from harness.hubcards.found import Found, RawDataset
from harness.hubcards.readme import CardText, listed_dataset

_HEADLINE = re.compile(r"achieves the following results on the evaluation set", re.IGNORECASE)
_ITEM = re.compile(r"^\s*[-*]\s*(?P<name>[A-Za-z][\w \-/()]*?)\s*:\s*(?P<value>[-+0-9.eE%]+)\s*$")
_ON_DATASET = re.compile(r"on the \[?(?P<id>[\w.\-/]+)\]?(?:\([^)]*\))? dataset", re.IGNORECASE)


def read(card: CardText) -> tuple[list[Found], list[str]]:
    lines = card.body.splitlines()
    found: list[Found] = []
    for start, line in enumerate(lines):
        if not _HEADLINE.search(line):
            continue
        dataset = _dataset(card)
        for offset, item in enumerate(lines[start + 1 :], start + 1):
            if not item.strip():
                if found:
                    break
                continue
            match = _ITEM.match(item)
            if match is None:
                break
            found.append(Found(
                kind="trainer-text", at=f"README.md line {card.body_line + offset}", metric=match["name"],
                value=match["value"], dataset=dataset, evaluation_set=True,
            ))  # fmt: skip
        break
    return found, []


def _dataset(card: CardText) -> RawDataset | None:
    """The dataset the Trainer's first paragraph names ("... on the clinc_oos dataset"), else the front
    matter's ``datasets:`` when it lists exactly one."""
    match = _ON_DATASET.search(card.body)
    if match and match["id"].lower() not in ("none", "unknown"):
        return RawDataset(id=match["id"], inferred_from="the card's text ('on the … dataset')")
    listed = listed_dataset(card)
    return None if listed is None else RawDataset(id=listed, inferred_from="the front matter's datasets: list")
