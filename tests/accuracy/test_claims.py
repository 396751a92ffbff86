"""Every accuracy, F1 and loss claim of every model card, on each backend the claim names."""

import pytest

pytestmark = pytest.mark.accuracy


def test_claim_holds(harness_case, harness_check):
    verdict = harness_check(harness_case)
    if not verdict.passed:
        pytest.fail(verdict.explain(), pytrace=False)
