"""A dataset as a card names it, resolved to a Hub repo, config, split and parquet files; or, where the
card leaves any of these open or ambiguous, a review note with the candidates."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.hubcards.found import RawDataset

TABLE = Path(__file__).with_name("datasets.yaml")
TRAINING_SPLITS = ("train",)


@dataclass(frozen=True, kw_only=True)
class Resolution:
    block: dict[str, Any] | None = None  # the card's dataset entry, when settled
    task: str | None = None  # the task the dataset's columns make (a pair task for two inputs)
    review: str | None = None  # what is open, when not settled
    candidates: list[dict[str, Any]] = field(default_factory=list)
    training: bool = False  # the card's figure is on a training split: never an evaluation claim

    @property
    def key(self) -> str:
        found = self.block or (self.candidates[0] if len(self.candidates) == 1 else None)
        if found:
            return re.sub(r"[^a-z0-9]+", "-", f"{found['config'] or found['repo'].split('/')[-1]}-{found['split']}")
        return "unresolved"


@functools.cache
def table() -> dict[str, Any]:
    import yaml

    return yaml.safe_load(TABLE.read_text(encoding="utf-8"))


def _squash(name: str) -> str:
    return re.sub(r"[\s_.\-]+", "", name.lower())


def resolve(raw: RawDataset | None, *, evaluation_set: bool = False) -> Resolution:
    if raw is None or not (raw.id or raw.name):
        return Resolution(review="the card names no dataset for this result; give one (repo, config, split).")
    named = raw.id or raw.name
    targets = _targets(raw)
    if not targets:
        return Resolution(
            review=f"the harness knows no layout of dataset {named!r} (no parquet files, columns or splits on "
            "record); give repo, config, split, files, inputs and label."
        )
    options, open_parts = _options(raw, targets, evaluation_set=evaluation_set)
    if raw.split in TRAINING_SPLITS and not evaluation_set:
        return Resolution(training=True, candidates=options, review=f"measured on the training split of {named}")
    labelled = [o for o in options if not o.pop("unlabelled", False)]
    if not labelled:
        return Resolution(review=_none_labelled(named, raw, options))
    if len(labelled) == 1 and not open_parts:
        block = labelled[0]
        return Resolution(block=block, task=block.pop("task"))
    for option in labelled:
        option.pop("task")
    why = ", ".join(open_parts) or "more than one dataset fits"
    where = f" ({raw.inferred_from})" if raw.inferred_from else ""
    return Resolution(
        review=f"dataset {named!r}{where}: {why}. Pick the candidate the card's figure was measured on.",
        candidates=labelled, task=None,
    )  # fmt: skip


def known_name(name: str) -> bool:
    """Whether a label (a table column, a card's word) names a dataset the harness has on record."""
    return bool(_targets(RawDataset(name=name)))


def _targets(raw: RawDataset) -> list[str]:
    known = table()
    for name in (raw.id, raw.name):
        if not name:
            continue
        if name in known["repos"]:
            return [name]
        found = known["aliases"].get(_squash(name))
        if found:
            return list(found)
    return []


def _options(raw: RawDataset, targets: list[str], *, evaluation_set: bool) -> tuple[list[dict], list[str]]:
    """Every (repo, config, split) the card's words allow, and what the card left open."""
    repos = table()["repos"]
    open_parts = [] if len(targets) == 1 else [f"the name may mean {' or '.join(targets)}"]
    options = []
    for target in targets:
        repo, config, split = (target.split(":") + [None, None])[:3]
        configs = [raw.config or config] if (raw.config or config) else list(repos[repo])
        if len(configs) > 1 and "no config" not in open_parts:
            open_parts.append("no config")
        for name in configs:
            layout = repos[repo].get(name)
            if layout is None:
                open_parts.append(f"{repo} has no config {name!r} on record (known: {', '.join(repos[repo])})")
                continue
            wanted = raw.split or split
            if evaluation_set and wanted in TRAINING_SPLITS:
                wanted = None  # the Trainer's evaluation-set figure, whatever split the metadata names
            splits = [wanted] if wanted else [s for s in layout["splits"] if s not in TRAINING_SPLITS]
            if not wanted and "no split" not in open_parts:
                open_parts.append("no split")
            options.extend(_option(repo, name, s, layout, raw.revision) for s in splits if s in layout["splits"])
    return options, open_parts


def _option(repo: str, config: str, split: str, layout: dict, revision: str | None) -> dict[str, Any]:
    facts = layout["splits"][split]
    option = {
        "repo": repo, "revision": revision or layout.get("revision"), "config": config, "split": split,
        "files": facts["files"],
        "inputs": list(layout["inputs"]), "label": layout["label"], "task": layout["task"],
    }  # fmt: skip
    if facts.get("size"):
        option["size"] = facts["size"]
    if facts.get("unlabelled"):
        option["unlabelled"] = True
    return option


def _none_labelled(named: str, raw: RawDataset, options: list[dict]) -> str:
    if options:
        return (f"dataset {named!r} split {raw.split!r} withholds its labels (they are -1), so no figure can be "
                "measured on it; name the split the card's figure was measured on.")  # fmt: skip
    return f"dataset {named!r} has no split {raw.split!r} on record; name the split the card's figure was measured on."
