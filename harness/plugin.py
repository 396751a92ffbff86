"""The pytest plugin: options, markers, claim parametrization, fixtures and the end-of-run table.

Hooks only delegate; the work is in session, runner, registry and report.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from harness import distributed
from harness.latency import Target
from harness.locations import default_cache_dir
from harness.lockfile import LOCK_NAME, Lock, LockError
from harness.options import add_options, env_flag
from harness.registry import CardError, ModelRef, cards_in, load_registry
from harness.session import ClaimCase, HarnessSession
from harness.verdict import Verdict

if TYPE_CHECKING:
    from harness.latency import Workload
    from harness.parity import Pair
    from harness.subject import Subject

SUITES = {
    "accuracy": "checks a model card's accuracy / F1 / loss claims on its backends",
    "latency": "checks size claims and measures latency with pytest-benchmark",
    "contracts": "checks behavioural contracts every model card implies",
}


SESSION = pytest.StashKey[HarnessSession]()


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


@pytest.hookimpl(tryfirst=True)  # before hypothesis loads a profile named on the command line
def pytest_configure(config: pytest.Config) -> None:
    for name, text in SUITES.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    config.addinivalue_line(
        "markers", "harness_use(pipeline_tag): run a target-parametrized test only on models whose card states this use"
    )
    _hypothesis_profiles(config)
    # torchrun: join the group before anything evaluates
    group = distributed.join() if distributed.launched() else None
    cards = config.getoption("harness_cards")
    lock_path = Path(config.getoption("harness_lock") or config.rootpath / LOCK_NAME).resolve()
    try:
        registry = load_registry(cards_in(Path(cards)) if cards else None)
        registry.check_models(config.getoption("harness_model"))
        lock = Lock.read(lock_path) if lock_path.is_file() else None
    except (CardError, LockError) as exc:
        raise pytest.UsageError(str(exc)) from None
    if config.getoption("harness_lock") and lock is None:
        raise pytest.UsageError(f"--harness-lock {lock_path}: no such file; write it with `harness lock`")
    cache = config.getoption("harness_cache_dir")
    config.stash[SESSION] = HarnessSession(
        registry=registry,
        hub=config.getoption("harness_hub"),
        cache_dir=Path(cache).resolve() if cache else default_cache_dir(),
        strict=config.getoption("harness_strict"),
        limit=config.getoption("harness_limit"),
        diagnose=config.getoption("harness_diagnose"),
        seed=config.getoption("harness_seed"),
        allow_pickle=config.getoption("harness_allow_pickle"),
        models=tuple(config.getoption("harness_model")),
        backends=tuple(config.getoption("harness_backend")),
        no_cache=config.getoption("harness_no_cache"),
        threads=config.getoption("harness_threads"),
        lock=lock,
        lock_path=lock_path,
        rank=group.rank if group else 0,
        ranks=group.world if group else 1,
    )


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Progress goes to the terminal reporter, which pytest's output capture does not swallow."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    harness = session.config.stash.get(SESSION, None)
    if reporter is None or harness is None or session.config.get_verbosity() < 0:
        return
    from harness.progress import terminal_progress

    harness.progress = terminal_progress(reporter, session.config.pluginmanager.get_plugin("capturemanager"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "harness_target" in metafunc.fixturenames:
        _parametrize_targets(metafunc)
    if "harness_card_model" in metafunc.fixturenames:
        models = metafunc.config.stash[SESSION].card_models()
        ids = [model.repo.split("/")[-1] for model in models]
        metafunc.parametrize("harness_card_model", models, ids=ids, scope="module")
    if "harness_pair" in metafunc.fixturenames:
        found = metafunc.config.stash[SESSION].pairs()
        metafunc.parametrize("harness_pair", found, ids=[pair.id for pair in found], scope="module")
    if "harness_case" not in metafunc.fixturenames:
        return
    suites = [name for name in SUITES if metafunc.definition.get_closest_marker(name)]
    if len(suites) != 1:
        raise pytest.UsageError(
            f"{metafunc.definition.nodeid}: a test using 'harness_case' needs exactly one of the markers "
            f"{', '.join(SUITES)}; found {suites or 'none'}."
        )
    cases = metafunc.config.stash[SESSION].cases(suites[0])
    metafunc.parametrize("harness_case", cases, ids=[case.id for case in cases])


def _parametrize_targets(metafunc: pytest.Metafunc) -> None:
    # Module scope: pytest then runs every test of one model and backend together, loading it once.
    found: list[Any] = metafunc.config.stash[SESSION].targets()
    ids = [target.id for target in found]
    use = metafunc.definition.get_closest_marker("harness_use")
    if use is not None:  # only the models whose card states this use (the Hub's pipeline tag)
        found = [target for target in found if target.claim.model.pipeline_tag == use.args[0]]
        ids = [target.id for target in found]
        if not found:
            reason = f"no selected model's card states the use {use.args[0]!r} (pipeline_tag)"
            found, ids = [pytest.param(None, marks=pytest.mark.skip(reason=reason))], ["none"]
    metafunc.parametrize("harness_target", found, ids=ids, scope="module")


@pytest.fixture
def harness_check(request: pytest.FixtureRequest) -> Callable[[ClaimCase], Verdict]:
    """Check a claim case; skips (or fails in strict mode) when it cannot be run here."""
    return request.config.stash[SESSION].check


@pytest.fixture(scope="module")
def harness_workload(request: pytest.FixtureRequest, harness_target: Target) -> Workload:
    """The target model loaded on its backend, with its single query and throughput sample."""
    return request.config.stash[SESSION].workload(harness_target)


@pytest.fixture(scope="module")
def harness_subject(request: pytest.FixtureRequest, harness_target: Target) -> Subject:
    """The target model loaded on its backend (tiny replica under --harness-hub replica), for contracts."""
    return request.config.stash[SESSION].subject(harness_target)


@pytest.fixture(scope="module")
def harness_pair_subjects(request: pytest.FixtureRequest, harness_pair: Pair) -> tuple[Subject, Subject]:
    """The pair's candidate and reference, each loaded on its backend (tiny replica on the replica)."""
    session = request.config.stash[SESSION]
    return session.subject(harness_pair.candidate), session.subject(harness_pair.reference)


@pytest.fixture(scope="module")
def harness_zero_shot(request: pytest.FixtureRequest, harness_subject: Subject) -> Any:
    """The transformers zero-shot-classification pipeline on the target's loaded model."""
    return request.config.stash[SESSION].zero_shot(harness_subject)


@pytest.fixture
def harness_split_parity(request: pytest.FixtureRequest) -> Callable[[Pair], dict[str, Any]]:
    """Compare a pair on its candidate claim's split; the record goes to the report."""
    return request.config.stash[SESSION].split_parity


@pytest.fixture(scope="module")
def harness_config(request: pytest.FixtureRequest, harness_card_model: ModelRef) -> Any:
    """A card's model's config as transformers loads it (true-size stand-ins on the replica)."""
    return request.config.stash[SESSION].config(harness_card_model)


@pytest.fixture(scope="session")
def harness_deadline(request: pytest.FixtureRequest) -> float:
    """Seconds a model call may take before a contract calls it a hang (--harness-deadline)."""
    return request.config.getoption("harness_deadline")


@pytest.fixture
def harness_benchmark(request: pytest.FixtureRequest) -> Callable[[Workload, str], None]:
    """Time one of a workload's jobs with pytest-benchmark; its percentiles go to the report."""
    session = request.config.stash[SESSION]
    try:
        benchmark = request.getfixturevalue("benchmark")
    except pytest.FixtureLookupError:
        session.cannot_run("pytest-benchmark is not installed; pip install pytest-benchmark (or 'harness[test]')")

    def run(workload: Workload, kind: str) -> None:
        from harness.latency import benchmark_job

        record = benchmark_job(benchmark, workload, kind)
        if record is not None:
            session.latencies.append(record)

    return run


# A test using one of these checks a claim (or a model or pair a card describes)...
CLAIM_FIXTURES = frozenset({"harness_case", "harness_target", "harness_pair", "harness_card_model"})
# ... unless it only times one: a benchmark asserts nothing, so it checks no claim.
MEASURING_FIXTURES = frozenset({"harness_benchmark", "benchmark"})


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    harness = item.config.stash.get(SESSION, None)
    names = set(getattr(item, "fixturenames", ()))
    checks = harness is not None and bool(CLAIM_FIXTURES & names) and not MEASURING_FIXTURES & names
    try:
        result = yield
    except pytest.skip.Exception:
        raise
    except BaseException:
        if checks:
            harness.checked += 1
        raise
    if checks:
        harness.checked += 1
    return result


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Strict mode: a run in which no claim was checked fails (a gate that checked nothing did not pass).
    Under torchrun every rank ends with rank 0's status."""
    harness = session.config.stash.get(SESSION, None)
    if harness is not None and harness.strict and not harness.checked and exitstatus in (0, 5):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if distributed.current() is not None:
        session.exitstatus = distributed.finish(int(session.exitstatus))


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    session = config.stash.get(SESSION, None)
    if session is not None and session.strict and not session.checked:
        terminalreporter.write_sep("=", "harness: strict mode: no claim was checked in this run", red=True)
        terminalreporter.write_line(
            "Every claim test was skipped or deselected (check -m, -k, --harness-model and --harness-backend): "
            "a strict run that checks nothing fails."
        )
    wanted = config.getoption("harness_json") or config.getoption("harness_report")
    if session is None or not (session.verdicts or session.latencies or session.parities or wanted):
        return
    from harness import report

    rows = report.rows(session.verdicts, session.registry, models=session.models)
    terminalreporter.write_sep("=", "harness: model-card claims")
    for line in report.table(rows).splitlines():
        terminalreporter.write_line(line)
    if session.parities:
        from harness.parity import describe

        terminalreporter.write_sep("-", "harness: backends compared on a split")
        for record in session.parities:
            terminalreporter.write_line(("" if record["passed"] else "FAILS: ") + describe(record))
    if session.rank != 0:
        return  # under torchrun, rank 0 alone reports and writes the run's files
    about = {"hub": session.hub, "strict": session.strict, "limit": session.limit, "ranks": session.ranks}
    path = config.getoption("harness_json")
    if path:
        report.write_json(Path(path), rows, about=about, latency=session.latencies, parity=session.parities)
        terminalreporter.write_line(f"verdicts written to {path}")
    folder = config.getoption("harness_report")
    if folder:
        written = report.write_report(
            Path(folder), rows, about=about, latency=session.latencies, parity=session.parities
        )
        terminalreporter.write_line(f"report written: {', '.join(map(str, written))}")


HYPOTHESIS_PROFILES = {
    # Model calls take milliseconds to seconds, so no per-example deadline. CI replays the same
    # examples every run; nightly explores more.
    "harness-dev": dict(max_examples=25, deadline=None),
    "harness-ci": dict(max_examples=25, deadline=None, derandomize=True, print_blob=True),
    "harness-nightly": dict(max_examples=300, deadline=None, print_blob=True),
    # Reports the first counterexample as found, without shrinking it: for showing that a broken model
    # fails a contract, where each shrinking step costs model calls (or a hang's deadline).
    "harness-first-failure": dict(max_examples=25, deadline=None, derandomize=True, print_blob=True, shrink=False),
}


def _hypothesis_profiles(config: pytest.Config) -> None:
    """Register the contract suites' profiles; load one unless --hypothesis-profile chose already."""
    try:
        from hypothesis import settings
    except ImportError:  # only the contract suites need hypothesis
        return
    from hypothesis import Phase

    for name, values in HYPOTHESIS_PROFILES.items():
        values = dict(values)
        if not values.pop("shrink", True):
            values["phases"] = [phase for phase in Phase if phase not in (Phase.shrink, Phase.explain)]
        settings.register_profile(name, **values)
    if config.getoption("hypothesis_profile", default=None):
        return
    chosen = os.environ.get("HARNESS_HYPOTHESIS_PROFILE") or ("harness-ci" if env_flag("CI") else "harness-dev")
    settings.load_profile(chosen)
