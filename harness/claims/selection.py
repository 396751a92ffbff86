"""Which claims a run checks, as the units tests are parametrized over: claim cases and model targets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.claims.model import Claim, Registry
from harness.claims.vocabulary import VARIANTS


@dataclass(frozen=True, kw_only=True)
class Target:
    """One model on one backend, read with the dataset and settings of its first accuracy claim."""

    claim: Claim
    backend: str

    @property
    def id(self) -> str:
        return f"{self.claim.model.repo.split('/')[-1]}-{self.backend}"


def targets(
    registry: Registry, *, models: Sequence[str] = (), backends: Sequence[str] = (), use: str | None = None
) -> list[Target]:
    """Each selected model on each selected backend once; ``use``: only models whose card states it
    (the Hub's pipeline tag, as the ``harness_use`` marker names it)."""
    found: dict[tuple[str, str], Target] = {}
    named_variants = [v for v in VARIANTS if v in backends]  # never taken by default
    for claim in registry.select(suite="accuracy", models=models, checkable=True):
        if use is not None and claim.model.pipeline_tag != use:
            continue
        for backend in claim.backends:
            if not backends or backend in backends:
                found.setdefault((claim.model.repo, backend), Target(claim=claim, backend=backend))
        for variant in named_variants:
            if VARIANTS[variant] in claim.backends and not claim.file:  # made from the checkpoint, not a file
                found.setdefault((claim.model.repo, variant), Target(claim=claim, backend=variant))
    return list(found.values())


@dataclass(frozen=True)
class ClaimCase:
    """One claim on one backend: the unit a test checks."""

    claim: Claim
    backend: str

    @property
    def id(self) -> str:
        return f"{self.claim.id}-{self.backend}"

