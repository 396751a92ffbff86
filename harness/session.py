"""One pytest run's view of the harness: the selected claims, targets and pairs, what they open,
and what the run recorded (verdicts, latency, parity), for the plugin's hooks and fixtures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import pytest

from harness import distributed, trust
from harness.latency import Target, targets
from harness.lockfile import Lock
from harness.registry import Claim, ModelRef, Registry
from harness.verdict import FAIL, NOT_CHECKABLE, SKIPPED, Verdict

if TYPE_CHECKING:
    from harness.latency import Workload
    from harness.loading import Settings
    from harness.parity import Pair
    from harness.subject import Subject

T = TypeVar("T")


@dataclass(frozen=True)
class ClaimCase:
    """One claim on one backend: the unit a test checks."""

    claim: Claim
    backend: str

    @property
    def id(self) -> str:
        return f"{self.claim.id}-{self.backend}"


@dataclass
class HarnessSession:
    registry: Registry
    hub: str
    cache_dir: Path
    strict: bool
    limit: int | None
    seed: int
    allow_pickle: bool
    models: tuple[str, ...]
    backends: tuple[str, ...]
    no_cache: bool = False  # compute every prediction, reuse nothing
    diagnose: bool = False  # on a failure, evaluate again to find why (--harness-diagnose)
    threads: int | None = None  # intra-op threads of every backend (--harness-threads)
    lock: Lock | None = None  # pins for --harness-hub hub (harness.lock)
    lock_path: Path | None = None  # where the lock is, or would be
    checked: int = 0  # tests of claims, targets or pairs that ran to a verdict (strict mode wants one)
    rank: int = 0  # this process's rank under torchrun (0 alone reports)
    ranks: int = 1  # how many processes share the evaluations
    verdicts: list[Verdict] = field(default_factory=list)
    latencies: list[dict[str, Any]] = field(default_factory=list)  # one per benchmarked job
    parities: list[dict[str, Any]] = field(default_factory=list)  # one per pair compared on a split
    progress: Callable | None = None  # set by pytest_configure from the terminal reporter
    _resolved: dict[str, Any] = field(default_factory=dict)

    def cases(self, suite: str) -> list[ClaimCase]:
        return [
            ClaimCase(claim, backend)
            for claim in self.registry.select(suite=suite, models=self.models, checkable=True)
            for backend in claim.backends
            if not self.backends or backend in self.backends
        ]

    def targets(self) -> list[Target]:
        return targets(self.registry, models=self.models, backends=self.backends)

    def pairs(self) -> list[Pair]:
        from harness.parity import pairs

        return pairs(self.registry, models=self.models, backends=self.backends)

    def check(self, case: ClaimCase) -> Verdict:
        from harness.runner import check

        # Size and speed mean something only at the real models' dimensions.
        size = "true" if case.claim.suite == "latency" else "tiny"
        try:
            verdict = check(case.claim, case.backend, self.settings(size))
        except _cannot_run() as exc:
            reason = str(exc)
        except _refused() as exc:  # fails the claim, strict or not
            self.verdicts.append(self._unchecked(case, FAIL, str(exc)))
            pytest.fail(str(exc), pytrace=False)
        else:
            self.verdicts.append(verdict)
            if verdict.status == NOT_CHECKABLE:
                # A property of the stand-in, not of this machine: strict or not, it is reported, not failed.
                pytest.skip(verdict.reason)
            return verdict
        # Outside the except block, so the report shows the reason and not a chained traceback.
        # Strict: a claim that cannot be checked fails.
        self.verdicts.append(self._unchecked(case, FAIL if self.strict else SKIPPED, reason))
        self.cannot_run(reason)

    @staticmethod
    def _unchecked(case: ClaimCase, status: str, reason: str) -> Verdict:
        claim = case.claim
        return Verdict(claim_id=claim.id, backend=case.backend, status=status, metric=claim.metric,
                       claimed=claim.value, reason=reason, model=claim.model.repo, source=claim.source)  # fmt: skip

    def workload(self, target: Target) -> Workload:
        from harness.latency import prepare

        return self._open(lambda: prepare(target.claim, target.backend, self.settings("true")))

    def subject(self, target: Target) -> Subject:
        from harness.subject import open_subject

        return self._open(lambda: open_subject(target.claim, target.backend, self.settings("tiny")))

    def zero_shot(self, subject: Subject) -> Any:
        from harness.zero_shot import pipeline

        return self._open(lambda: pipeline(subject))

    def split_parity(self, pair: Pair) -> dict[str, Any]:
        from harness.parity import on_split

        record = self._open(lambda: on_split(pair, self.settings("tiny")))
        self.parities.append(record)
        return record

    def card_models(self) -> list[ModelRef]:
        """The selected models whose card states their architecture."""
        claims = self.registry.select(models=self.models)
        return list({c.model.repo: c.model for c in claims if c.model.architecture}.values())

    def config(self, model: ModelRef) -> Any:
        """The model's loaded config, from the true-size replica under --harness-hub replica."""
        from transformers import AutoConfig

        from harness.hub import resolve

        settings = self.settings("true")
        if settings.expectations is not None and settings.expectations.size != "true":
            self.cannot_run(
                f"the replica at {settings.expectations.root} holds tiny stand-ins, not the card's dimensions; "
                "`--harness-hub replica` checks architecture on the true-size stand-ins"
            )
        snapshot = self._open(
            lambda: resolve(
                model.repo, location=settings.location, revision=model.revision, patterns=["config.json"],
                required=[["config.json"]],
            )
        )  # fmt: skip
        return AutoConfig.from_pretrained(snapshot.path, local_files_only=True, trust_remote_code=False)

    def _open(self, opener: Callable[[], T]) -> T:
        """What ``opener`` returns; a refused file fails, a missing artifact or backend skips (or fails),
        a check that does not apply to the target skips."""
        from harness.loading import NotApplicable

        try:
            return opener()
        except _refused() as exc:
            pytest.fail(str(exc), pytrace=False)
        except NotApplicable as exc:
            reason, applies = str(exc), False
        except _cannot_run() as exc:
            reason, applies = str(exc), True
        if not applies:
            pytest.skip(reason)
        self.cannot_run(reason)

    def cannot_run(self, reason: str) -> NoReturn:
        if self.strict:
            pytest.fail(f"strict mode: a claim that cannot be checked fails: {reason}", pytrace=False)
        pytest.skip(reason)

    def settings(self, size: str) -> Settings:
        from harness.feature_cache import FeatureCache
        from harness.loading import Settings
        from harness.locations import resolve_hub
        from harness.prediction_cache import PredictionCache

        if size not in self._resolved:
            self._resolved[size] = resolve_hub(
                self.hub,
                cache_dir=self.cache_dir,
                size=size,
                lock=self.lock,
                lock_path=self.lock_path,
                strict=self.strict,
            )
        resolved = self._resolved[size]

        return Settings(
            # Sharded (torchrun): every rank must run every evaluation, so none may take a cached shortcut.
            cache=None if self.no_cache or distributed.current() else PredictionCache(self.cache_dir / "predictions"),
            features=None if self.no_cache else FeatureCache(self.cache_dir / "features"),
            threads=self.threads,
            location=resolved.location,
            work_dir=self.cache_dir / "work",
            limit=self.limit,
            diagnose=self.diagnose,
            seed=self.seed,
            expectations=resolved.expectations,
            allow_pickle=self.allow_pickle,
            built=trust.built(self.cache_dir),
            progress=self.progress,
        )


def _cannot_run() -> tuple[type[Exception], ...]:
    """What makes a claim or workload impossible to run here: a skip, or a failure in strict mode."""
    from harness.backends.base import BackendUnavailable
    from harness.hub import ArtifactMissing
    from harness.loading import NotSupported
    from harness.lockfile import NotLocked

    return ArtifactMissing, BackendUnavailable, NotSupported, NotLocked


def _refused() -> tuple[type[Exception], ...]:
    """What fails a claim outright: a pickle nothing vouches for, a file that differs from the lock, a
    rank of a sharded run that died or hangs."""
    from harness.backends.base import PickleRefused
    from harness.lockfile import LockMismatch

    return PickleRefused, LockMismatch, distributed.RankLost
