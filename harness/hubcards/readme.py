"""A model card's README split as the Hub splits it: the YAML front matter and the markdown body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from harness.hubcards.found import CardImportError


@dataclass(frozen=True, kw_only=True)
class CardText:
    where: str  # the README's path or "REPO@REVISION/README.md", for messages and provenance
    front: dict[str, Any]  # the front matter; empty when the card has none
    body: str
    body_line: int  # the README line the body starts on (1-based)
    has_front_matter: bool
    eval_files: tuple[tuple[str, str], ...] = ()  # (path, text) of the repo's .eval_results/*.yaml


def listed_dataset(card: CardText) -> str | None:
    """The dataset the front matter's ``datasets:`` names when it lists exactly one; None otherwise."""
    listed = card.front.get("datasets")
    if isinstance(listed, list) and len(listed) == 1 and isinstance(listed[0], str):
        return listed[0]
    return None


def split_card(text: str, *, where: str, eval_files: tuple[tuple[str, str], ...] = ()) -> CardText:
    """The front matter and body; CardImportError for broken YAML or a front matter that is not a mapping."""
    # The Hub's own pattern for the front matter block, so that a card reads here as it reads there.
    from huggingface_hub.repocard import REGEX_YAML_BLOCK

    if not text.strip() and not eval_files:
        raise CardImportError(f"{where}: the card is empty; there is nothing to import.")
    match = REGEX_YAML_BLOCK.search(text)
    if match is None:
        return CardText(where=where, front={}, body=text, body_line=1, has_front_matter=False, eval_files=eval_files)
    try:
        front = yaml.safe_load(match.group(2))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1 + text[: match.start(2)].count(chr(10))}" if mark else ""
        raise CardImportError(
            f"{where}: the front matter is not valid YAML{line} ({getattr(exc, 'problem', exc)}). Fix the card's "
            "metadata block (between the --- lines) or import from a corrected copy with --readme."
        ) from None
    if front is None:
        front = {}
    if not isinstance(front, dict):
        raise CardImportError(
            f"{where}: the front matter must be a mapping of keys (language, model-index, ...), "
            f"found a {type(front).__name__}."
        )
    body_line = text[: match.end()].count("\n") + 1
    return CardText(
        where=where, front=front, body=text[match.end() :], body_line=body_line, has_front_matter=True,
        eval_files=eval_files,
    )  # fmt: skip
