"""Every size and speed-ratio claim: MiB of the artifact the claim names, measured as the card
measured it, and ratios of throughput measured interleaved in one run."""

import pytest

pytestmark = pytest.mark.latency


def test_claim_holds(harness_case, harness_check):
    verdict = harness_check(harness_case)
    if not verdict.passed:
        pytest.fail(verdict.explain(), pytrace=False)
