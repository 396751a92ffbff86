"""Parametrize the suites' tests by what the run selected: claim cases, targets, card models, pairs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from harness.gate.session import HarnessSession


def parametrize(session: HarnessSession, metafunc: pytest.Metafunc) -> None:
    from harness.gate.session import SUITES

    # Module scope: pytest then runs every test of one model and backend together, loading it once.
    if "harness_target" in metafunc.fixturenames:
        _targets(session, metafunc)
    if "harness_card_model" in metafunc.fixturenames:
        models = session.card_models()
        ids = [model.repo.split("/")[-1] for model in models]
        metafunc.parametrize("harness_card_model", models, ids=ids, scope="module")
    if "harness_pair" in metafunc.fixturenames:
        found = session.pairs()
        metafunc.parametrize("harness_pair", found, ids=[pair.id for pair in found], scope="module")
    if "harness_case" not in metafunc.fixturenames:
        return
    suites = [name for name in SUITES if metafunc.definition.get_closest_marker(name)]
    if len(suites) != 1:
        raise pytest.UsageError(
            f"{metafunc.definition.nodeid}: a test using 'harness_case' needs exactly one of the markers "
            f"{', '.join(SUITES)}; found {suites or 'none'}."
        )
    cases = session.cases(suites[0])
    metafunc.parametrize("harness_case", cases, ids=[case.id for case in cases])


def _targets(session: HarnessSession, metafunc: pytest.Metafunc) -> None:
    use = metafunc.definition.get_closest_marker("harness_use")
    found: list[Any] = session.targets(use=use.args[0] if use is not None else None)
    ids = [target.id for target in found]
    if use is not None and not found:
        reason = f"no selected model's card states the use {use.args[0]!r} (pipeline_tag)"
        found, ids = [pytest.param(None, marks=pytest.mark.skip(reason=reason))], ["none"]
    metafunc.parametrize("harness_target", found, ids=ids, scope="module")
