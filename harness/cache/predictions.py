"""Per-example results of an evaluation, kept on disk so that a second run need not compute them.

An entry is keyed by everything that decides its content: the harness version and source, the model's
revision and the identity of each of its files, the backend, the dataset's revision and files, the
split, the examples evaluated and the task settings (``runner.prediction_key``). Each entry carries a
sha256 of its content; an entry that does not parse, does not match its key or its checksum is
reported and recomputed, never trusted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.cache.store import CorruptEntry, EntryStore, canonical, write_atomically


@dataclass(frozen=True)
class Cached:
    scores: np.ndarray
    predictions: list[str]
    notes: tuple[str, ...]
    seconds: float
    features: int


class PredictionCache(EntryStore):
    suffix = ".json"

    def get(self, key: str, *, examples: int) -> Cached | None:
        """The entry for ``key``, or None when there is none. Raises CorruptEntry for an entry that is
        there but cannot be trusted (the caller recomputes and overwrites it)."""
        path = self.path(key)
        if not path.exists():
            return None
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            payload, checksum = document["payload"], document["sha256"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CorruptEntry(f"{path} is not a readable cache entry ({exc})") from None
        if hashlib.sha256(canonical(payload)).hexdigest() != checksum:
            raise CorruptEntry(f"{path} does not match its checksum: changed or truncated since it was written")
        if payload.get("key") != key or len(payload.get("scores", ())) != examples:
            raise CorruptEntry(f"{path} holds another evaluation than its name says")
        return Cached(
            scores=np.asarray(payload["scores"], dtype=np.float64),
            predictions=list(payload["predictions"]),
            notes=tuple(payload["notes"]),
            seconds=float(payload["seconds"]),
            features=int(payload["features"]),
        )

    def put(self, key: str, *, scores: np.ndarray, predictions: Sequence[str], notes: Sequence[str],
            seconds: float, features: int) -> Path:  # fmt: skip
        payload = {
            "key": key, "scores": np.asarray(scores, dtype=np.float64).tolist(), "predictions": list(predictions),
            "notes": list(notes), "seconds": seconds, "features": features,
        }  # fmt: skip
        document = {"payload": payload, "sha256": hashlib.sha256(canonical(payload)).hexdigest()}
        path = self.path(key)
        write_atomically(path, lambda out: out.write(json.dumps(document).encode("utf-8")))
        return path
