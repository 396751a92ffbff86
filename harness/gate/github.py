"""Results where a GitHub Actions user looks: the claims table in the job summary, and an annotation on
the card line of every claim that does not hold (GitHub's workflow commands, written to stdout)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.claims.model import Registry

FAILED = ("fail", "fail (stand-in)")


def step_summary(markdown: str, environ: Mapping[str, str] = os.environ) -> Path | None:
    """Append the run's markdown to the job summary file GitHub names; None outside GitHub Actions."""
    target = environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    with open(target, "a", encoding="utf-8") as summary:
        summary.write(markdown.rstrip("\n") + "\n\n")
    return Path(target)


def annotations(
    rows: Sequence[dict[str, Any]], registry: Registry, environ: Mapping[str, str] = os.environ
) -> list[str]:
    """``::error file=…,line=…::…`` for each failed claim, at the line of its id in its card; none outside
    GitHub Actions. A claim imported without a file is annotated without a place."""
    if environ.get("GITHUB_ACTIONS") != "true":
        return []
    found = []
    for row in rows:
        if row["status"] not in FAILED:
            continue
        claim = registry.by_id(row["claim_id"])
        where = _place(Path(claim.card_file), claim.id, Path(environ.get("GITHUB_WORKSPACE") or os.getcwd()))
        title = f"claim {claim.id} [{row['backend']}] does not hold"
        measured = "—" if row.get("measured") is None else f"{row['measured']:.4f}"
        why = row.get("reason") or f"compared with {row.get('compared_with') or 'the card'}"
        message = f"{row['metric']}: claimed {row['claimed']}, measured {measured}, tolerance {row['tolerance']}; {why}"
        found.append(f"::error {where}title={_escape(title, property=True)}::{_escape(message)}")
    return found


def _place(card: Path, claim_id: str, workspace: Path) -> str:
    if not card.is_file():
        return ""
    lines = card.read_text(encoding="utf-8").splitlines()
    line = next((i for i, text in enumerate(lines, 1) if _is_id_line(text, claim_id)), 1)
    try:
        shown = card.resolve().relative_to(workspace.resolve())
    except ValueError:
        shown = card
    return f"file={_escape(str(shown), property=True)},line={line},"


def _is_id_line(text: str, claim_id: str) -> bool:
    """``- id: X`` or ``id: X``, as a card's YAML writes a claim's id."""
    text = text.strip().removeprefix("- ").strip()
    return text.startswith("id:") and text[3:].strip().strip("'\"") == claim_id


def _escape(text: str, *, property: bool = False) -> str:  # noqa: A002 - GitHub's own word
    """GitHub's escaping of workflow command data (and, in properties, of ':' and ',')."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property else text
