"""The reference values a replica hub carries, computed when it was built, read when it is used."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = "harness-replica.json"


@dataclass(frozen=True)
class ReplicaExpectations:
    """Per claim and backend, the reference per-example scores whose mean is the expected value."""

    root: Path
    entries: dict[str, dict[str, dict[str, Any]]]
    built_sha256: frozenset[str] = frozenset()  # every file the replica wrote: trusted as pinned
    size: str = "tiny"  # "true": the cards' dimensions with random weights (sizes and speed only)

    @classmethod
    def find(cls, root: Path) -> ReplicaExpectations | None:
        path = root / MANIFEST
        if not path.exists():
            return None
        document = json.loads(path.read_text(encoding="utf-8"))
        about = document.get("about", {})
        digests = about.get("sha256", {})
        return cls(
            root=root,
            entries=document["expected"],
            built_sha256=frozenset(d for files in digests.values() for d in files.values()),
            size=about.get("size", "tiny"),
        )

    def scores(self, claim_id: str, backend: str) -> list[float] | None:
        entry = self.entries.get(claim_id, {}).get(backend)
        return None if entry is None else entry["scores"]

    def fixed(self, claim_id: str, backend: str) -> float | None:
        """An expected value that does not depend on examples (a size)."""
        entry = self.entries.get(claim_id, {}).get(backend)
        return None if entry is None else entry["value"]

    def reference(self, claim_id: str, backend: str) -> str | None:
        """Where the expected value came from, in words."""
        entry = self.entries.get(claim_id, {}).get(backend)
        return None if entry is None else entry.get("reference")

    def value(self, claim_id: str, backend: str, indices: Sequence[int]) -> float | None:
        scores = self.scores(claim_id, backend)
        if scores is None:
            return None
        return sum(scores[i] for i in indices) / len(indices)


def write_manifest(root: Path, *, expected: dict[str, dict[str, dict[str, Any]]], about: dict[str, Any]) -> None:
    document = {"about": about, "expected": expected}
    (root / MANIFEST).write_text(json.dumps(document, indent=1, sort_keys=True), encoding="utf-8")
