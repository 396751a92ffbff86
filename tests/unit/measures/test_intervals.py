"""Sampled verdicts: the interval a sample gives, and what it lets pass and fail."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from harness.checks.quality import judge
from harness.claims.model import Tolerance
from harness.measures import intervals


def wilson(right: int, n: int, confidence: float) -> tuple[float, float]:
    """Wilson's score interval as the textbook writes it."""
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = right / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize(("right", "n"), [(0, 10), (10, 10), (276, 300), (1841, 2000), (1, 3)])
def test_accuracy_gets_wilsons_interval(right, n):
    scores = np.array([1.0] * right + [0.0] * (n - right))
    found = intervals.interval("accuracy", scores)
    assert (found.low, found.high) == pytest.approx(wilson(right, n, 0.99), abs=1e-9)
    assert found.method == "Wilson score"


def test_exact_match_is_a_proportion_in_percent():
    found = intervals.interval("exact_match", np.array([100.0] * 80 + [0.0] * 20))
    low, high = wilson(80, 100, 0.99)
    assert (found.low, found.high) == pytest.approx((100 * low, 100 * high))
    with pytest.raises(ValueError, match="exact_match scores must each be 0 or 100"):
        intervals.interval("exact_match", np.array([100.0, 50.0]))


def test_f1_gets_a_bootstrap_interval_around_the_mean():
    rng = np.random.default_rng(0)
    scores = rng.choice([0.0, 40.0, 66.7, 100.0], size=400, p=[0.1, 0.1, 0.2, 0.6])
    found = intervals.interval("f1", scores, seed=1)
    assert found.low < scores.mean() < found.high
    # The normal approximation's half-width, as a sanity bound for the bootstrap's.
    half = NormalDist().inv_cdf(0.995) * scores.std(ddof=1) / math.sqrt(len(scores))
    assert (found.high - found.low) / 2 == pytest.approx(half, rel=0.15)
    assert found == intervals.interval("f1", scores, seed=1)  # seeded: the same verdict every run


def test_one_sided_bounds_check_their_side_only():
    found = intervals.Interval(low=0.80, high=0.85, confidence=0.99, method="Wilson score")
    assert found.admits(Tolerance(amount=0.01, bound="at-least"), claimed=0.86)
    assert not found.admits(Tolerance(amount=0.01, bound="at-least"), claimed=0.87)
    assert found.admits(Tolerance(amount=0.0, bound="at-least"), claimed=0.10)  # far better than claimed
    assert not found.admits(Tolerance(amount=0.01), claimed=0.10)  # two-sided: far off either way fails


class Claim:
    """What judge reads of a claim."""

    def __init__(self, tolerance: float):
        self.metric = "accuracy"
        self.tolerance = Tolerance(amount=tolerance)


def sampled_verdicts(true_accuracy: float, claimed: float, *, n: int, tolerance: float, runs: int = 200) -> list[str]:
    """Statuses of ``runs`` seeded samples of ``n`` from a 3,100-example split (CLINC's size) on which
    the model is right exactly ``true_accuracy`` of the time — the path a --harness-limit run takes."""
    population = np.zeros(3_100)
    population[: round(true_accuracy * len(population))] = 1.0
    statuses = []
    for seed in range(runs):
        scores = np.random.default_rng(seed).choice(population, size=n, replace=False)
        judged = judge(Claim(tolerance), claimed, float(scores.mean()), scores, population=len(population), seed=seed)
        statuses.append(judged["status"])
    return statuses


def test_a_model_three_points_below_its_claim_fails_on_2000_examples():
    # 2 points beyond the tolerance; the interval is ±1.1 points at N = 2,000 of 3,100, the sample's
    # own value varies by ±0.4 (one standard deviation): about 1 sample in 70 still lets it pass.
    statuses = sampled_verdicts(0.9206 - 0.03, 0.9206, n=2_000, tolerance=0.01)
    assert statuses.count("fail") >= 190, f"{statuses.count('pass')} of 200 samples let it pass"


def test_a_model_that_matches_its_claim_passes_on_300_examples():
    statuses = sampled_verdicts(0.9206, 0.9206, n=300, tolerance=0.01)
    assert statuses.count("pass") >= 198, f"{statuses.count('fail')} of 200 samples failed it"


def test_a_sample_of_most_of_the_split_leaves_less_unknown():
    scores = np.array([1.0] * 1_780 + [0.0] * 220)
    endless = intervals.interval("accuracy", scores)
    most = intervals.interval("accuracy", scores, population=3_100)
    ratio = (most.high - most.low) / (endless.high - endless.low)
    assert ratio == pytest.approx(math.sqrt(1_100 / 3_099), rel=0.02)
    assert most.method == "Wilson score, finite-split corrected"
    whole = intervals.interval("accuracy", scores, population=2_000)
    assert whole.low == whole.high == pytest.approx(0.89)  # the whole split: nothing left to estimate
    with pytest.raises(ValueError, match="a sample of 2000 cannot come from 1000 examples"):
        intervals.interval("accuracy", scores, population=1_000)


def test_the_whole_split_uses_the_plain_tolerance():
    scores = np.array([1.0] * 90 + [0.0] * 10)
    full = judge(Claim(0.01), 0.92, 0.90, scores, population=100, seed=0)
    assert full == {"status": "fail", "evaluation": "full split"}
    sampled = judge(Claim(0.01), 0.92, 0.90, scores, population=10_000, seed=0)
    assert sampled["status"] == "pass"  # 100 examples of 10,000 say little
