"""The context an evaluation runs in: where the Hub is (or the replica), what it trusts, caches, knobs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.cache import trust
from harness.cache.features import FeatureCache
from harness.cache.layout import CacheDir
from harness.cache.predictions import PredictionCache
from harness.hub.lock import Lock
from harness.hub.resolve import HubLocation
from harness.replica.ensure import ensure_replica
from harness.replica.manifest import ReplicaExpectations


@dataclass(frozen=True, kw_only=True)
class Settings:
    location: HubLocation
    work_dir: Path
    limit: int | None = None
    seed: int = 0
    diagnose: bool = False  # on a failure, evaluate again to find why (--harness-diagnose)
    expectations: ReplicaExpectations | None = None
    allow_pickle: bool = False
    # progress(description, total) -> a display with update(n) and close(); None shows nothing
    progress: Callable[[str, int], Any] | None = None
    cache: PredictionCache | None = None  # per-example results of earlier runs; None computes everything
    features: FeatureCache | None = None  # tokenized splits of earlier runs; None tokenizes every time
    threads: int | None = None  # intra-op threads of every backend; None: the runtimes' own defaults
    device: str = "cpu"  # what the run asked for: cpu, cuda:N or auto (backends.devices settles it per backend)
    built: frozenset[str] = frozenset()  # digests of files this harness built (trust.built), never a folder's say

    @classmethod
    def for_hub(
        cls, value: str, *, cache_dir: Path, size: str = "tiny", lock: Lock | None = None,
        lock_path: Path | None = None, strict: bool = False, **knobs: Any,
    ) -> Settings:  # fmt: skip
        """The context for a ``--harness-hub`` value: its location, a replica's references, the work folder
        and what this harness built under ``cache_dir``; ``knobs`` set (or override) the other fields."""
        resolved = resolve_hub(value, cache_dir=cache_dir, size=size, lock=lock, lock_path=lock_path, strict=strict)
        defaults = dict(
            location=resolved.location, expectations=resolved.expectations, work_dir=CacheDir(cache_dir).work,
            built=trust.built(cache_dir),
        )  # fmt: skip
        return cls(**{**defaults, **knobs})

    @property
    def mode(self) -> str:
        """"replica" when judged against a replica's references, "card" against the card's figures."""
        return "replica" if self.expectations else "card"

    @property
    def trusted_sha256(self) -> frozenset[str]:
        """Files whose full unpickling is allowed: those this harness built, those the lock pins."""
        return self.built | (self.location.lock.trusted_sha256 if self.location.lock else frozenset())


@dataclass(frozen=True, kw_only=True)
class Resolved:
    location: HubLocation
    expectations: ReplicaExpectations | None


def resolve_hub(
    value: str, *, cache_dir: Path, size: str = "tiny", lock: Lock | None = None, lock_path: Path | None = None,
    strict: bool = False,
) -> Resolved:  # fmt: skip
    """``size`` picks which replica 'replica' means; a directory or the Hub cache is what it is.

    The lock and strict mode's rule (load only pinned files) apply to the Hub, not to replicas,
    whose stand-ins have commits of their own.
    """
    if value == "hub":
        from huggingface_hub import constants

        return Resolved(
            location=HubLocation(
                cache_dir=None, offline=constants.HF_HUB_OFFLINE, label=f"Hub cache {constants.HF_HUB_CACHE}",
                lock=lock, lock_path=lock_path, strict=strict, views=cache_dir / "locked",
            ),
            expectations=None,
        )  # fmt: skip
    root = ensure_replica(cache_dir, size=size) if value == "replica" else Path(value).resolve()
    expectations = ReplicaExpectations.find(root)
    label = f"replica hub {root}" if expectations else f"Hub cache {root / 'hub'}"
    # A directory is a snapshot of a cache: never reach out to the network from it.
    return Resolved(location=HubLocation(cache_dir=root / "hub", offline=True, label=label), expectations=expectations)

