"""The harness's cache folder: where each store, the work folder and the replicas live, in one place."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path


def default_cache_dir() -> Path:
    return Path(os.environ.get("HARNESS_CACHE", Path.home() / ".cache" / "harness"))


@dataclass(frozen=True)
class CacheDir:
    """One cache folder: per-example results, tokenized splits, exports, and the replica hubs."""

    root: Path

    @property
    def predictions(self) -> Path:
        return self.root / "predictions"

    @property
    def features(self) -> Path:
        return self.root / "features"

    @property
    def work(self) -> Path:
        """Exports and other files built from a model (ONNX graphs, quantized copies)."""
        return self.root / "work"

    def replica(self, name: str) -> Path:
        return self.root / name

    def clear_built(self) -> int:
        """Remove the replica hubs, their lock files and the work folder; how many folders went."""
        built = [p for p in self.root.glob("replica-*") if p.is_dir()] + [p for p in [self.work] if p.is_dir()]
        for folder in built:
            shutil.rmtree(folder)
        for lock in self.root.glob("replica-*.lock"):
            lock.unlink()
        return len(built)
