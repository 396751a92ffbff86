"""One pytest run's view of the harness: the selected claims, targets and pairs, what they open,
and what the run recorded (verdicts, latency, parity), for the plugin's hooks and fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import pytest

from harness.cache.layout import default_cache_dir
from harness.claims.cards import cards_in, load_registry
from harness.claims.model import ModelRef, Registry
from harness.claims.schema import CardError
from harness.claims.selection import ClaimCase, Target, targets
from harness.claims.verdict import FAIL, NOT_CHECKABLE, SKIPPED, Verdict
from harness.engine import distributed
from harness.errors import CannotCheck, NotApplicable, Refused
from harness.gate import records
from harness.gate.memory import RunMemory
from harness.hub.lock import LOCK_NAME, Lock, LockError

if TYPE_CHECKING:
    from harness.contracts.parity import Pair
    from harness.evaluation.context import Settings
    from harness.evaluation.subject import Subject
    from harness.evaluation.workload import Workload


T = TypeVar("T")

SUITES = {
    "accuracy": "checks a model card's accuracy / F1 / loss claims on its backends",
    "latency": "checks size claims and measures latency with pytest-benchmark",
    "contracts": "checks behavioural contracts every model card implies",
}
# A test using one of these checks a claim (or a model or pair a card describes)...
CLAIM_FIXTURES = frozenset({"harness_case", "harness_target", "harness_pair", "harness_card_model"})
# ... unless it only times one: a benchmark asserts nothing, so it checks no claim.
MEASURING_FIXTURES = frozenset({"harness_benchmark", "benchmark"})


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
    device: str = "cpu"  # --harness-device: cpu, cuda:N or auto, settled per backend
    lock: Lock | None = None  # pins for --harness-hub hub (harness.lock)
    lock_path: Path | None = None  # where the lock is, or would be
    checked: int = 0  # tests of claims, targets or pairs that ran to a verdict (strict mode wants one)
    rank: int = 0  # this process's rank under torchrun (0 alone reports)
    worker: bool = False  # a pytest-xdist worker: its tests' records travel to the controller on their reports
    ranks: int = 1  # how many processes share the evaluations
    verdicts: list[Verdict] = field(default_factory=list)
    latencies: list[dict[str, Any]] = field(default_factory=list)  # one per benchmarked job
    parities: list[dict[str, Any]] = field(default_factory=list)  # one per pair compared on a split
    memory: RunMemory | None = None  # --harness-history, --harness-predictions, --harness-fail-on-regression
    progress: Callable | None = None  # set by pytest_configure from the terminal reporter
    _resolved: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: pytest.Config) -> HarnessSession:
        """The run's session from its ``--harness-*`` options; under torchrun, after joining the group.

        A card or lock that cannot be read is a usage error, with the file and the fix."""
        worker = _xdist_worker(config)  # before joining torchrun's group, which xdist cannot share
        group = distributed.join() if distributed.launched() else None  # before anything evaluates
        option = config.getoption
        cards = option("harness_cards")
        lock_path = Path(option("harness_lock") or config.rootpath / LOCK_NAME).resolve()
        cache = option("harness_cache_dir")
        cache_dir = Path(cache).resolve() if cache else default_cache_dir()
        try:
            registry = _registry(cards, option("harness_import"), hub=option("harness_hub"), cache_dir=cache_dir)
            registry.check_models(option("harness_model"))
            lock = Lock.read(lock_path) if lock_path.is_file() else None
        except (CardError, LockError, ValueError, LookupError) as exc:  # ValueError: a card that cannot be imported
            raise pytest.UsageError(str(exc)) from None
        if option("harness_lock") and lock is None:
            raise pytest.UsageError(f"--harness-lock {lock_path}: no such file; write it with `harness lock`")
        return cls(
            registry=registry, hub=option("harness_hub"), cache_dir=cache_dir, strict=option("harness_strict"),
            limit=option("harness_limit"), diagnose=option("harness_diagnose"), seed=option("harness_seed"),
            allow_pickle=option("harness_allow_pickle"), models=tuple(option("harness_model")),
            backends=tuple(option("harness_backend")), no_cache=option("harness_no_cache"),
            threads=option("harness_threads"), device=option("harness_device"), lock=lock, lock_path=lock_path,
            rank=group.rank if group else 0, ranks=group.world if group else 1, worker=worker,
            memory=RunMemory.from_config(config),
        )  # fmt: skip

    def cases(self, suite: str) -> list[ClaimCase]:
        return [
            ClaimCase(claim, backend)
            for claim in self.registry.select(suite=suite, models=self.models, checkable=True)
            for backend in claim.backends
            if not self.backends or backend in self.backends
        ]

    def targets(self, *, use: str | None = None) -> list[Target]:
        return targets(self.registry, models=self.models, backends=self.backends, use=use)

    def pairs(self) -> list[Pair]:
        from harness.contracts.parity import pairs

        return pairs(self.registry, models=self.models, backends=self.backends)

    def check(self, case: ClaimCase, *, node: pytest.Item | None = None) -> Verdict:
        """Check one claim on one backend; its verdict goes on ``node``'s report (or straight to the run)."""
        from harness.checks import check

        # Size and speed mean something only at the real models' dimensions.
        size = "true" if case.claim.suite == "latency" else "tiny"
        try:
            verdict = check(case.claim, case.backend, self.settings(size))
        except CannotCheck as exc:
            reason = str(exc)
        except Refused as exc:  # fails the claim, strict or not
            self._found(node, Verdict.unchecked(case.claim, case.backend, status=FAIL, reason=str(exc)))
            pytest.fail(str(exc), pytrace=False)
        else:
            if self.memory is not None:
                verdict = self.memory.judge(verdict)
                self.memory.keep(node, verdict)
            if verdict.status == SKIPPED:  # measured, but undecided: a sample too small to tell (relative claims)
                verdict = replace(verdict, status=FAIL) if self.strict else verdict
                self._found(node, verdict)
                self.cannot_run(verdict.reason)
            self._found(node, verdict)
            if verdict.status == NOT_CHECKABLE:
                # A property of the stand-in, not of this machine: strict or not, it is reported, not failed.
                pytest.skip(verdict.reason)
            return verdict
        # Outside the except block, so the report shows the reason and not a chained traceback.
        # Strict: a claim that cannot be checked fails.
        status = FAIL if self.strict else SKIPPED
        self._found(node, Verdict.unchecked(case.claim, case.backend, status=status, reason=reason))
        self.cannot_run(reason)

    def workload(self, target: Target) -> Workload:
        from harness.evaluation.workload import prepare

        return self._open(lambda: prepare(target.claim, target.backend, self.settings("true")))

    def subject(self, target: Target) -> Subject:
        from harness.evaluation.subject import open_subject

        return self._open(lambda: open_subject(target.claim, target.backend, self.settings("tiny")))

    def zero_shot(self, subject: Subject) -> Any:
        from harness.contracts.zero_shot import pipeline

        return self._open(lambda: pipeline(subject))

    def split_parity(self, pair: Pair, *, node: pytest.Item | None = None) -> dict[str, Any]:
        from harness.contracts.parity import on_split

        record = self._open(lambda: on_split(pair, self.settings("tiny")))
        self.record(node, records.PARITY, record)
        return record

    def refuse_unshareable(self, item: pytest.Item) -> None:
        """Under pytest-xdist, fail before it runs what cannot work across workers: pytest-benchmark does
        not time there (it turns itself off), so a latency test would pass having measured nothing."""
        if self.worker and {"benchmark", "harness_benchmark"} & set(getattr(item, "fixturenames", ())):
            pytest.fail(
                "pytest-benchmark does not time under pytest-xdist, so this latency test would measure nothing: "
                "run the latency suite in one process (without -n), or deselect it (-m 'not latency')",
                pytrace=False,
            )

    def _found(self, node: pytest.Item | None, verdict: Verdict) -> None:
        if node is None:
            self.verdicts.append(verdict)
        else:
            records.attach_verdict(node, verdict)

    def record(self, node: pytest.Item | None, kind: str, record: Any) -> None:
        """A test's latency or parity record: on its report, or straight to the run outside a test."""
        if node is not None:
            records.attach(node, kind, record)
        else:
            {records.LATENCY: self.latencies, records.PARITY: self.parities}[kind].append(record)

    def collect(self, report: pytest.TestReport) -> None:
        """Take a test's records off its report: the reporting process builds the run from these. An
        xdist worker leaves them on, for its controller."""
        if self.worker:
            return
        for kind, value in records.take(report):
            if kind == records.VERDICT:
                self.verdicts.append(Verdict.from_dict(value))
            elif kind == records.CHECKED:
                self.checked += int(value)
            elif kind == records.EXAMPLES:
                self.memory.collect(value)
            else:
                self.record(None, kind, value)

    def card_models(self) -> list[ModelRef]:
        """The selected models whose card states their architecture."""
        claims = self.registry.select(models=self.models)
        return list({c.model.repo: c.model for c in claims if c.model.architecture}.values())

    def config(self, model: ModelRef) -> Any:
        """The model's loaded config, from the true-size replica under --harness-hub replica."""
        from transformers import AutoConfig

        from harness.hub.resolve import resolve

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
        try:
            return opener()
        except Refused as exc:
            pytest.fail(str(exc), pytrace=False)
        except NotApplicable as exc:
            reason, applies = str(exc), False
        except CannotCheck as exc:
            reason, applies = str(exc), True
        if not applies:
            pytest.skip(reason)
        self.cannot_run(reason)

    def cannot_run(self, reason: str) -> NoReturn:
        if self.strict:
            pytest.fail(f"strict mode: a claim that cannot be checked fails: {reason}", pytrace=False)
        pytest.skip(reason)

    def settings(self, size: str) -> Settings:
        """The evaluation context of replica ``size`` (or of the Hub): resolved once per run."""
        from harness.cache.features import FeatureCache
        from harness.cache.layout import CacheDir
        from harness.cache.predictions import PredictionCache
        from harness.evaluation.context import Settings

        if size not in self._resolved:
            cache = CacheDir(self.cache_dir)
            self._resolved[size] = Settings.for_hub(
                self.hub, cache_dir=self.cache_dir, size=size, lock=self.lock, lock_path=self.lock_path,
                strict=self.strict, limit=self.limit, diagnose=self.diagnose, seed=self.seed,
                allow_pickle=self.allow_pickle, threads=self.threads, device=self.device,
                # Sharded (torchrun): every rank must run every evaluation, so none may take a cached shortcut.
                cache=None if self.no_cache or distributed.current() else PredictionCache(cache.predictions),
                features=None if self.no_cache else FeatureCache(cache.features),
            )  # fmt: skip
        # Progress is the terminal's, set when the session starts, after the context may have been made.
        return replace(self._resolved[size], progress=self.progress)

    def show_progress(self, config: pytest.Config) -> None:
        """Progress bars on the terminal reporter, which pytest's output capture does not swallow."""
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None or config.get_verbosity() < 0:
            return
        from harness.gate.progress import terminal_progress

        self.progress = terminal_progress(reporter, config.pluginmanager.get_plugin("capturemanager"))

    def parametrize(self, metafunc: pytest.Metafunc) -> None:
        """Parametrize a test by the claim cases, targets, card models or pairs its fixtures ask for."""
        from harness.gate.parametrize import parametrize

        parametrize(self, metafunc)

    @contextmanager
    def counting(self, item: pytest.Item) -> Iterator[None]:
        """Count a test that ran to a verdict on a claim, a target or a pair (strict mode wants one)."""
        names = set(getattr(item, "fixturenames", ()))
        checks = bool(CLAIM_FIXTURES & names) and not MEASURING_FIXTURES & names
        try:
            yield
        except pytest.skip.Exception:
            raise
        except BaseException:
            if checks:
                records.attach(item, records.CHECKED, 1)
            raise
        if checks:
            records.attach(item, records.CHECKED, 1)

    def exit_status(self, exitstatus: int) -> int:
        from harness.gate.summary import exit_status

        return exit_status(self, exitstatus)

    def summary(self, terminal, *, json_path: str | None, report_dir: str | None) -> None:
        from harness.gate.summary import write_summary

        write_summary(self, terminal, json_path=json_path, report_dir=report_dir)


def _registry(cards: str | None, imports: list[str], *, hub: str, cache_dir: Path) -> Registry:
    """The claims a run checks: the built-in cards, or ``--harness-cards``; with ``--harness-import``, the
    imported cards' claims (alone, or beside ``--harness-cards``'). Imported cards are read, never written."""
    registry = load_registry(cards_in(Path(cards)) if cards else None)
    if not imports:
        return registry
    from harness.claims.cards import card_claims
    from harness.evaluation.context import resolve_hub
    from harness.hubcards.importer import import_card

    location = resolve_hub(hub, cache_dir=cache_dir).location
    claims = list(registry.claims) if cards else []
    for repo in imports:
        claims += card_claims(import_card(repo, location=location), f"--harness-import {repo}")
    return Registry(tuple(claims))


def _xdist_worker(config: pytest.Config) -> bool:
    """Whether this process is a pytest-xdist worker; under torchrun too, a usage error: each rank
    already shares the evaluations, and a worker's rank would be nobody's."""
    worker = hasattr(config, "workerinput")
    parallel = worker or (config.getoption("numprocesses", None) not in (None, 0, "0"))
    if parallel and distributed.launched():
        raise pytest.UsageError("torchrun and pytest-xdist (-n) do not combine: torchrun's ranks already share the "
                                "evaluations; run one of the two")  # fmt: skip
    return worker
