"""The paired verdict of relative claims: exact bounds for right/wrong metrics, a paired bootstrap for the
rest, the whole split compared as it is; bounds checked against scipy's own exact binomial interval."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from harness.measures import paired
from harness.measures.paired import Rule, compare

RECOVERY = Rule(recovery=0.99)


@given(st.integers(0, 60), st.integers(1, 60), st.floats(0.001, 0.2))
def test_clopper_pearson_bounds_are_scipys_exact_interval(successes, extra, alpha):
    trials = successes + extra - 1 if successes else extra
    successes = min(successes, trials)
    low = binomtest(successes, trials, alternative="greater").proportion_ci(1 - alpha, method="exact").low
    high = binomtest(successes, trials, alternative="less").proportion_ci(1 - alpha, method="exact").high
    assert paired._clopper_pearson(successes, trials, alpha, upper=False) == pytest.approx(low, abs=1e-9)
    assert paired._clopper_pearson(successes, trials, alpha, upper=True) == pytest.approx(high, abs=1e-9)


def pairs(n: int, wins: int, losses: int, both: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidate and baseline right/wrong scores with the given counts of each kind of example."""
    candidate = np.array([1] * wins + [0] * losses + [1] * both + [0] * (n - wins - losses - both), dtype=float)
    baseline = np.array([0] * wins + [1] * losses + [1] * both + [0] * (n - wins - losses - both), dtype=float)
    return candidate, baseline


def test_on_the_whole_split_the_values_are_compared_as_they_are():
    candidate, baseline = pairs(1000, wins=0, losses=9, both=891)  # 0.891 vs 0.900: exactly 99%
    found = compare("accuracy", candidate, baseline, RECOVERY, whole_split=True)
    assert (found.candidate, found.baseline, found.bound) == pytest.approx((0.891, 0.9, 0.891))
    assert found.passed and found.ratio == pytest.approx(0.99) and "whole split" in found.method
    worse = compare("accuracy", *pairs(1000, wins=0, losses=10, both=890), RECOVERY, whole_split=True)
    assert not worse.passed and worse.lower == pytest.approx(0.890 - 0.891)


def test_a_sample_passes_when_it_shows_the_bound_holds_fails_when_it_shows_it_does_not_else_cannot_tell():
    # 2,000 examples, the candidate loses 4 and wins 2: 0.1% below the baseline, well inside 1%.
    found = compare("accuracy", *pairs(2000, wins=2, losses=4, both=1800), RECOVERY, whole_split=False)
    assert found.passed and not found.failed and found.lower > 0
    assert "2 examples only the candidate gets right, 4 only the baseline" in found.method
    # 100 examples with no disagreement cannot show the drop is under 1% (4% could hide in the rest of the
    # split), nor that it is over: undecided.
    small = compare("accuracy", *pairs(100, wins=0, losses=0, both=90), RECOVERY, whole_split=False)
    assert small.candidate == small.baseline and not small.passed and not small.failed
    assert small.lower < 0 < small.upper
    # A candidate 3 points down on 2,000 examples is shown to fall short.
    down = compare("accuracy", *pairs(2000, wins=10, losses=70, both=1740), RECOVERY, whole_split=False)
    assert down.failed and not down.passed and down.upper < 0


def test_the_exact_bound_errs_at_most_5_percent_of_the_time_at_the_margin():
    """Examples drawn from a population where the candidate sits exactly at 99% of the baseline: the
    test may pass (wrongly conclude non-inferiority) in at most 5% of samples."""
    rng = np.random.default_rng(3)
    # per example: both right 0.80, only baseline 0.02, only candidate 0.011, neither rest
    # baseline 0.82, candidate 0.811 = 0.989 × 0.82 (just under 99%)
    kinds = rng.choice(4, size=(400, 1500), p=[0.80, 0.02, 0.011, 0.169])
    passed = 0
    for row in kinds:
        candidate = np.isin(row, (0, 2)).astype(float)
        baseline = np.isin(row, (0, 1)).astype(float)
        passed += compare("accuracy", candidate, baseline, RECOVERY, whole_split=False).passed
    assert passed / len(kinds) <= 0.05


def test_the_exact_bound_fails_a_candidate_at_the_margin_at_most_5_percent_of_the_time():
    """The mirror: a candidate exactly at the bound is shown to fall short in at most 5% of samples."""
    rng = np.random.default_rng(4)
    kinds = rng.choice(4, size=(400, 1500), p=[0.80, 0.02, 0.0118, 0.1682])  # 0.8118 = 0.99 × 0.82
    failed = sum(
        compare("accuracy", np.isin(row, (0, 2)).astype(float), np.isin(row, (0, 1)).astype(float), RECOVERY,
                whole_split=False).failed
        for row in kinds
    )  # fmt: skip
    assert failed / len(kinds) <= 0.05


def test_exact_match_and_max_drop_are_in_the_metrics_own_units():
    candidate, baseline = pairs(3000, wins=3, losses=6, both=2400)
    found = compare("exact_match", candidate * 100, baseline * 100, Rule(max_drop=1.0), whole_split=False)
    assert found.baseline == pytest.approx(80.2) and found.bound == pytest.approx(79.2) and found.passed


def test_a_per_question_f1_is_judged_by_a_paired_bootstrap():
    rng = np.random.default_rng(0)
    baseline = rng.uniform(0, 100, 500)  # scores that vary a lot from question to question
    candidate = np.clip(baseline - 0.2, 0, 100)  # but move together: 0.2 points lower on each
    found = compare("f1", candidate, baseline, RECOVERY, whole_split=False)
    assert found.passed and "paired bootstrap" in found.method
    # Unpaired, the spread between questions (sd ~29 over 500) would leave a ±2.6 point interval: far
    # wider than the 0.5-point margin. Paired, the margin is measured on differences that barely vary.
    assert found.lower == pytest.approx((found.candidate - found.bound), abs=0.1)
    worse = compare("f1", np.clip(baseline - 2.0, 0, 100), baseline, RECOVERY, whole_split=False)
    assert worse.failed and worse.upper < 0


def test_a_corpus_level_f1_resamples_rows_carrying_both_sides():
    rng = np.random.default_rng(1)
    gold = rng.integers(0, 2, 400)
    base_pred = np.where(rng.random(400) < 0.9, gold, 1 - gold)
    rows = lambda pred: np.column_stack([pred, gold, pred.astype(float)])  # noqa: E731
    found = compare("f1", rows(base_pred), rows(base_pred), Rule(max_drop=0.05), whole_split=False, seed=2)
    assert found.candidate == found.baseline and found.passed
    broken = compare("f1", rows(1 - base_pred), rows(base_pred), Rule(max_drop=0.05), whole_split=False)
    assert broken.failed


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 40), st.integers(0, 40), st.integers(0, 40))
def test_the_bounds_enclose_the_measured_margin(n_extra, wins, losses):
    n = wins + losses + n_extra
    found = compare("accuracy", *pairs(n, wins=wins, losses=losses, both=0), Rule(max_drop=0.0), whole_split=False)
    assert found.lower <= found.candidate - found.bound + 1e-12 <= found.upper + 2e-12


def test_rows_that_do_not_pair_are_refused():
    with pytest.raises(ValueError, match="same rows on both sides, found 3 and 2"):
        compare("accuracy", np.ones(3), np.ones(2), RECOVERY, whole_split=False)


def test_a_change_between_runs_is_tested_with_mcnemars_exact_test():
    from scipy.stats import binomtest

    old, new = pairs(872, wins=23, losses=3, both=770)  # new: right only before on 23, only now on 3
    found = paired.change("accuracy", old, new)
    assert found.p_value == pytest.approx(binomtest(3, 26, 0.5, alternative="less").pvalue)
    assert found.regressed and found.low <= found.difference <= found.high < 0
    same = paired.change("accuracy", old, old)
    assert same.p_value == 1.0 and not same.regressed and same.difference == 0
    mixed = paired.change("accuracy", *pairs(872, wins=10, losses=12, both=770))
    assert not mixed.regressed  # 10 against 12: no evidence either way


def test_a_change_in_f1_is_tested_by_a_paired_bootstrap():
    rng = np.random.default_rng(5)
    old = rng.uniform(0, 100, 400)
    assert paired.change("f1", old, old - 3).regressed
    assert not paired.change("f1", old, old + rng.normal(0, 1, 400)).regressed
