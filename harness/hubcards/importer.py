"""`harness import`: read a model's card (and config) from the Hub, a Hub cache, a hub folder or a local
README, and write its claims as a card in the harness's schema."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from harness.hub.resolve import HubLocation, resolve
from harness.hubcards.compose import compose
from harness.hubcards.found import CardImportError
from harness.hubcards.models import Repo
from harness.hubcards.readme import CardText, split_card
from harness.hubcards.sources import read_all

PATTERNS = ("README.md", "config.json", "tokenizer_config.json", ".eval_results/*.yaml")


def import_card(
    repo_id: str, *, location: HubLocation | None, revision: str | None = None, readme: Path | None = None,
    choose: Mapping[str, int] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The card document for ``repo_id``: every result of its card as a claim; ``choose`` resolves review
    notes (a model's or dataset's name -> the number of the candidate to take)."""
    card, repo = read_repo(repo_id, location=location, revision=revision, readme=readme)
    found, problems = read_all(card)
    if not found:
        raise CardImportError(
            f"{card.where}: no results to import: the card has no model-index results, no .eval_results entries, "
            "no Trainer evaluation-set list and no table naming a metric. Write the card's claims by hand "
            "(see harness/cards for examples)." + (f" Skipped: {'; '.join(problems)}." if problems else "")
        )
    draft = compose(card, repo, found, moved=known_moves())
    notes = list(problems)
    if repo.numbered_labels():
        notes.append("the config names its labels only by number: alignment relies on index order (the verdict "
                     "says so); if the card names them, add them to the model as labels:")  # fmt: skip
    document = {
        "card": re.sub(r"[^a-z0-9]+", "-", repo_id.lower()).strip("-"),
        "title": f"Claims read from the card of {repo_id}",
        "url": f"https://huggingface.co/{repo_id}",
        "imported": {"repo": repo_id, "revision": repo.revision, "from": card.where, "notes": notes},
        "models": draft.models, "datasets": draft.datasets, "claims": draft.claims,
    }  # fmt: skip
    return apply_choices(document, choose or {})


def read_repo(
    repo_id: str, *, location: HubLocation | None, revision: str | None, readme: Path | None
) -> tuple[CardText, Repo]:
    """The card's text and what the repo holds (config, tokenizer config, file names, revision)."""
    snapshot = None
    if location is not None:
        try:
            snapshot = resolve(repo_id, location=location, revision=revision, patterns=PATTERNS,
                               required=() if readme else (("README.md",),))  # fmt: skip
        except LookupError:
            if readme is None:
                raise
    if readme is not None:
        if not readme.is_file():
            raise CardImportError(f"--readme {readme}: no such file; give the path of a model card's README.md.")
        text, where = readme.read_text(encoding="utf-8"), str(readme)
    else:
        text, where = (
            (snapshot.path / "README.md").read_text(encoding="utf-8"),
            f"{repo_id}@{snapshot.revision}/README.md",
        )
    folder = snapshot.path if snapshot else None
    evals = tuple(
        (p.relative_to(folder).as_posix(), p.read_text(encoding="utf-8"))
        for p in sorted(folder.glob(".eval_results/*.yaml"))
    ) if folder else ()  # fmt: skip
    repo = Repo(
        repo_id=repo_id, revision=snapshot.revision if snapshot else revision,
        config=_json(folder, "config.json"), tokenizer_config=_json(folder, "tokenizer_config.json"),
        files=_listing(repo_id, snapshot, location),
    )  # fmt: skip
    return split_card(text, where=where, eval_files=evals), repo


def _json(folder: Path | None, name: str) -> dict[str, Any]:
    path = folder / name if folder else None
    if path is None or not path.is_file():
        return {}
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise CardImportError(f"{path}: not valid JSON ({exc}); the repo's {name} cannot be read.") from None
    return found if isinstance(found, dict) else {}


def _listing(repo_id: str, snapshot, location: HubLocation | None) -> tuple[str, ...]:
    """The repo's file names: from the Hub when online, else what the cached snapshot holds."""
    if snapshot is None:
        return ()
    if location is not None and not location.offline:
        from huggingface_hub import HfApi

        info = HfApi(endpoint=location.endpoint).repo_info(repo_id, revision=snapshot.revision)
        return tuple(sibling.rfilename for sibling in info.siblings or ())
    return tuple(sorted(p.relative_to(snapshot.path).as_posix() for p in snapshot.path.rglob("*") if p.is_file()))


def known_moves() -> dict[str, str]:
    """Repo ids the Hub redirects, as the shipped cards record them (``formerly``): old id -> current id."""
    from harness.claims.cards import load_registry

    return {old: claim.model.repo for claim in load_registry().claims for old in claim.model.formerly}


def apply_choices(document: dict[str, Any], choose: Mapping[str, int]) -> dict[str, Any]:
    """Resolve review notes the way a person would: replace a model's or dataset's entry by its chosen
    candidate, and give the claims on a chosen dataset the task its columns make."""
    for name, number in choose.items():
        section = next((s for s in ("models", "datasets") if name in document[s]), None)
        if section is None:
            names = ", ".join([*document["models"], *document["datasets"]])
            raise CardImportError(
                f"--choose {name}={number}: the card has no model or dataset {name!r} (it has {names})."
            )
        entry = document[section][name]
        candidates = entry.get("candidates") or []
        if "review" not in entry or not 1 <= number <= len(candidates):
            raise CardImportError(
                f"--choose {name}={number}: {section}.{name} has {len(candidates)} candidates"
                f"{'' if 'review' in entry else ' and nothing to review'}; pick a number from 1 to {len(candidates)}."
            )
        chosen = dict(candidates[number - 1])
        chosen.pop("task", None)
        document[section][name] = chosen
        if section == "datasets":
            pair = len(chosen.get("inputs", ())) == 2
            for claim in document["claims"]:
                if claim.get("dataset") == name and claim["task"] in (
                    "text-classification",
                    "text-pair-classification",
                ):
                    claim["task"] = "text-pair-classification" if pair else "text-classification"
    return document


def write_card(document: dict[str, Any], out: Path, *, force: bool = False) -> Path:
    """Write ``out/<card>.yaml``; an existing file is kept unless ``force``."""
    path = out / f"{document['card']}.yaml"
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists; pass --force to replace it, or choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    today = datetime.date.today().isoformat()
    header = (
        f"# Read by `harness import {document['imported']['repo']}` on {today} from {document['imported']['from']}.\n"
        "# Review every entry with a 'review:' note: pick a candidate (or `harness import --choose NAME=N`), then\n"
        "# delete the note; a claim that depends on one is not checked until then.\n"
    )
    path.write_text(header + yaml.safe_dump(document, sort_keys=False, width=120, allow_unicode=True), encoding="utf-8")
    return path
