"""The pytest plugin: options, markers, claim parametrization, fixtures and the end-of-run table.

Every hook and fixture is a few lines into ``harness.gate``: the session reads its own options,
parametrizes, checks, and writes its own summary.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from harness.claims.model import ModelRef
from harness.claims.selection import ClaimCase, Target
from harness.claims.verdict import Verdict
from harness.gate.hypothesis import register_profiles
from harness.gate.options import add_options, env_flag
from harness.gate.session import SUITES, HarnessSession

if TYPE_CHECKING:
    from harness.contracts.parity import Pair
    from harness.evaluation.subject import Subject
    from harness.evaluation.workload import Workload

SESSION = pytest.StashKey[HarnessSession]()


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


@pytest.hookimpl(tryfirst=True)  # before hypothesis loads a profile named on the command line
def pytest_configure(config: pytest.Config) -> None:
    for name, text in {**SUITES, **MARKERS}.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    register_profiles(chosen_on_command_line=bool(config.getoption("hypothesis_profile", default=None)),
                      ci=env_flag("CI"))  # fmt: skip
    config.stash[SESSION] = HarnessSession.from_config(config)
    config.pluginmanager.register(_Reports(config.stash[SESSION]), "harness-reports")


MARKERS = {"harness_use(pipeline_tag)": "run a target-parametrized test only on models whose card states this use"}


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Progress goes to the terminal reporter, which pytest's output capture does not swallow."""
    harness = session.config.stash.get(SESSION, None)
    if harness is not None:
        harness.show_progress(session.config)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    metafunc.config.stash[SESSION].parametrize(metafunc)


@pytest.fixture
def harness_check(request: pytest.FixtureRequest) -> Callable[[ClaimCase], Verdict]:
    """Check a claim case; skips (or fails in strict mode) when it cannot be run here."""
    return functools.partial(request.config.stash[SESSION].check, node=request.node)


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
    return functools.partial(request.config.stash[SESSION].split_parity, node=request.node)


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
    from harness.gate.benchmark import timer

    return timer(request, request.config.stash[SESSION])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    harness = item.config.stash.get(SESSION, None)
    if harness is None:
        return (yield)
    with harness.counting(item):
        return (yield)


class _Reports:
    """Each test's report, as this process receives it (its own, or an xdist worker's), into the session."""

    def __init__(self, harness: HarnessSession) -> None:
        self.harness = harness

    @pytest.hookimpl(tryfirst=True)  # before the JUnit writer, which must not print the full records
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.harness.collect(report)


def pytest_runtest_setup(item: pytest.Item) -> None:
    harness = item.config.stash.get(SESSION, None)
    if harness is not None:
        harness.refuse_unshareable(item)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    harness = session.config.stash.get(SESSION, None)
    if harness is not None:
        session.exitstatus = harness.exit_status(session.exitstatus)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    harness = config.stash.get(SESSION, None)
    if harness is not None:
        harness.summary(terminalreporter, json_path=config.getoption("harness_json"),
                        report_dir=config.getoption("harness_report"))  # fmt: skip
