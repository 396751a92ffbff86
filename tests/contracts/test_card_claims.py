"""The card facts the contracts suite checks as claims: the sparse BERT-Large's 90% sparsity."""

import pytest

pytestmark = pytest.mark.contracts


def test_claim_holds(harness_case, harness_check):
    verdict = harness_check(harness_case)
    if not verdict.passed:
        pytest.fail(verdict.explain(), pytrace=False)
