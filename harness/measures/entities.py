"""Entity-level scores of tag sequences, as seqeval defines them, from per-sentence counts.

Written here rather than calling seqeval because the harness needs each sentence's counts, not the
corpus totals seqeval returns: a sample's interval and a paired test resample sentences, and each
resampled set's F1 is computed from the counts of its sentences. (seqeval also pulls in
scikit-learn, which the harness does not otherwise need.) The tests hold these functions to the
seqeval package on hand-written edge cases and on generated sequences.

Two ways of reading entities from tags, seqeval's two modes:
- default (conlleval's): an entity starts at a B- tag, or at an I- tag that follows O or another
  type, and runs over the I- tags of its type; "I-PER I-PER" is one PER entity.
- strict (``mode="strict", scheme=IOB2``): an entity is exactly a B-X followed by I-X tags; an I-
  without its B- is no entity at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from harness.claims.vocabulary import ENTITY_METRICS as METRICS

Entity = tuple[str, int, int]  # (type, first word, last word)

# A sentence's record: entities right, predicted and gold in each mode, then tags right and tags.
COLUMNS = ("right", "predicted", "gold", "right_strict", "predicted_strict", "gold_strict", "tags_right", "tags")
_MODE_COLUMNS = {"": (0, 1, 2), "_strict": (3, 4, 5)}


def parts(tag: str) -> tuple[str, str]:
    """A tag's prefix and type as seqeval reads them: "B-PER" -> ("B", "PER"), "O" -> ("O", "_")."""
    return tag[:1], tag[1:].split("-", maxsplit=1)[-1] or "_"


def entities(tags: Sequence[str]) -> list[Entity]:
    """The entities of one sentence in seqeval's default mode (its ``get_entities``: IOB, IOBES tags)."""
    found: list[Entity] = []
    previous_prefix, previous_type, begin = "O", "", 0
    for i, tag in enumerate([*tags, "O"]):
        prefix, kind = parts(tag)
        if _chunk_ends(previous_prefix, prefix, previous_type, kind):
            found.append((previous_type, begin, i - 1))
        if _chunk_starts(previous_prefix, prefix, previous_type, kind):
            begin = i
        previous_prefix, previous_type = prefix, kind
    return found


def _chunk_ends(previous: str, prefix: str, previous_type: str, kind: str) -> bool:
    """seqeval's ``end_of_chunk``."""
    if previous in ("E", "S") or (previous in ("B", "I") and prefix in ("B", "S", "O")):
        return True
    return previous not in ("O", ".") and previous_type != kind


def _chunk_starts(previous: str, prefix: str, previous_type: str, kind: str) -> bool:
    """seqeval's ``start_of_chunk``."""
    if prefix in ("B", "S") or (previous in ("E", "S", "O") and prefix in ("E", "I")):
        return True
    return prefix not in ("O", ".") and previous_type != kind


def strict_entities(tags: Sequence[str]) -> list[Entity]:
    """The entities of one sentence in seqeval's strict IOB2 mode: B-X then I-X, nothing else."""
    found: list[Entity] = []
    i = 0
    while i < len(tags):
        prefix, kind = parts(tags[i])
        if prefix != "B":
            i += 1
            continue
        end = i + 1
        while end < len(tags) and parts(tags[end]) == ("I", kind):
            end += 1
        found.append((kind, i, end - 1))
        i = end
    return found


def record(gold: Sequence[str], predicted: Sequence[str]) -> list[int]:
    """One sentence's counts (``COLUMNS``); the tag sequences must be equally long."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(predicted)} predicted tags for {len(gold)} words")
    counts = []
    for read in (entities, strict_entities):
        mine, theirs = set(read(predicted)), set(read(gold))
        counts += [len(mine & theirs), len(mine), len(theirs)]
    return [*counts, sum(g == p for g, p in zip(gold, predicted, strict=True)), len(gold)]


def records(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> np.ndarray:
    """Per-sentence counts, one row a sentence: what every score here is computed from."""
    rows = [record(g, p) for g, p in zip(gold, predicted, strict=True)]
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(COLUMNS))


def value(metric: str, rows: np.ndarray) -> float:
    """A corpus score from per-sentence counts: micro-averaged over entities (or tags), as seqeval's
    ``precision_score`` / ``recall_score`` / ``f1_score`` / ``accuracy_score``; an entity score is 0 where
    its denominator is 0 (seqeval's ``zero_division=0``)."""
    totals = np.asarray(rows, dtype=np.float64).sum(axis=0)
    if metric == "token_accuracy":
        if not totals[7]:
            raise ValueError("token accuracy needs at least one tag; these sentences have none")
        return float(totals[6] / totals[7])
    if metric not in METRICS:
        raise ValueError(f"{metric} is not an entity score ({', '.join(sorted(METRICS))})")
    score, _, mode = metric.removeprefix("entity_").partition("_")
    right, predicted, gold = (float(totals[i]) for i in _MODE_COLUMNS["_" + mode if mode else ""])
    return _score(score, right, predicted, gold)


def _score(score: str, right: float, predicted: float, gold: float) -> float:
    denominator = {"precision": predicted, "recall": gold, "f1": 0.5 * (predicted + gold)}[score]
    return right / denominator if denominator else 0.0


def exact(rows: np.ndarray) -> np.ndarray:
    """Per sentence, 1.0 where every tag was right: the right-or-wrong of an example that paired tests use."""
    rows = np.asarray(rows, dtype=np.float64)
    return (rows[:, 6] == rows[:, 7]).astype(np.float64)


@dataclass(frozen=True)
class TypeScore:
    kind: str
    precision: float
    recall: float
    f1: float
    support: int  # gold entities of the type


def by_type(
    gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], *, strict: bool = False
) -> list[TypeScore]:
    """Precision, recall and F1 per entity type (seqeval's ``classification_report``), types sorted."""
    read = strict_entities if strict else entities
    right: Counter[str] = Counter()
    chosen: Counter[str] = Counter()
    real: Counter[str] = Counter()
    for g, p in zip(gold, predicted, strict=True):
        mine, theirs = set(read(p)), set(read(g))
        right.update(kind for kind, *_ in mine & theirs)
        chosen.update(kind for kind, *_ in mine)
        real.update(kind for kind, *_ in theirs)
    return [
        TypeScore(kind, *(_score(s, right[kind], chosen[kind], real[kind]) for s in ("precision", "recall", "f1")),
                  support=real[kind])  # fmt: skip
        for kind in sorted(set(chosen) | set(real))
    ]
