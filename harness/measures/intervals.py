"""What a sample can say about a claim made on a whole split: a confidence interval for the metric.

A sampled run (``--harness-limit N``) measures the metric on N examples; the claim is about all of
them. The verdict then asks whether the claimed value lies inside the measured value's interval,
widened by the claim's tolerance: a model 3 points below its card fails once N makes the interval
narrower than 3 points minus the tolerance, and a model that matches its card passes at any N
(but for the few samples a 99% interval misses).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from harness.claims.model import Tolerance
from harness.measures import metrics

CONFIDENCE = 0.99
BOOTSTRAP_RESAMPLES = 2_000
# Metrics whose per-example scores are right (1) or wrong (0), in these units: a proportion.
PROPORTIONS = {"accuracy": 1.0, "exact_match": 100.0}


@dataclass(frozen=True, kw_only=True)
class Interval:
    low: float
    high: float
    confidence: float
    method: str  # "Wilson score" or "bootstrap (BCa)", and whether corrected for a finite split

    def describe(self) -> str:
        return f"{self.confidence:.0%} {self.method} interval [{self.low:.4f}, {self.high:.4f}]"

    def admits(self, tolerance: Tolerance, *, claimed: float) -> bool:
        """Whether ``claimed`` is consistent with the sample: inside the interval widened by the
        tolerance, on the side(s) the tolerance's bound checks."""
        slack = tolerance.amount + 1e-12
        if tolerance.bound == "at-least":  # the claim holds if the true value may reach claimed - tolerance
            return self.high + slack >= claimed
        if tolerance.bound == "at-most":
            return self.low - slack <= claimed
        return self.low - slack <= claimed <= self.high + slack


def interval(
    metric: str, scores: np.ndarray, *, population: int | None = None, confidence: float = CONFIDENCE, seed: int = 0
) -> Interval:
    """The interval for the mean of per-example ``scores`` over the ``population`` examples they were
    drawn from without replacement (None: an unlimited population): Wilson's for a proportion
    (accuracy, exact match), a seeded BCa bootstrap for anything else (F1, a loss), resampling rows
    and scoring each resample for a corpus-level score (a classifier's precision, recall, F1, ROC AUC).

    A claim is made on one split, a finite population: a sample of 2,000 of its 3,100 examples
    leaves far less unknown than 2,000 draws from an endless stream, so the interval is narrowed
    by the finite population correction sqrt((N - n) / (N - 1)), and is a point on the whole split.
    """
    scores = np.asarray(scores, dtype=np.float64)
    n = len(scores)
    if n == 0:
        raise ValueError("an interval needs at least one example")
    if population is not None and population < n:
        raise ValueError(f"a sample of {n} cannot come from {population} examples")
    shrink = math.sqrt((population - n) / (population - 1)) if population and population > 1 else 1.0
    unit = PROPORTIONS.get(metric)
    if unit is not None:
        right = scores / unit
        if not np.all((right == 0) | (right == 1)):
            raise ValueError(f"{metric} scores must each be 0 or {unit:g}")
        low, high = _wilson(float(right.mean()), n, confidence=confidence, shrink=shrink)
        return Interval(low=low * unit, high=high * unit, confidence=confidence, method=_named("Wilson score", shrink))
    mean = metrics.value_of(metric, scores)
    if shrink == 0 or np.all(scores == scores[0]):  # nothing left unknown, or no spread to estimate
        return Interval(low=mean, high=mean, confidence=confidence, method=_named("bootstrap (BCa)", shrink))
    from scipy import stats

    if metrics.is_corpus(scores):  # resample rows, and compute the score of each resampled set
        data, statistic, vectorized = (np.arange(n),), lambda rows: metrics.value_of(metric, scores[rows]), False
    else:
        data, statistic, vectorized = (scores,), np.mean, True
    found = stats.bootstrap(
        data, statistic, confidence_level=confidence, n_resamples=BOOTSTRAP_RESAMPLES, method="BCa",
        random_state=np.random.default_rng(seed), vectorized=vectorized,
    ).confidence_interval  # fmt: skip
    low, high = mean - (mean - float(found.low)) * shrink, mean + (float(found.high) - mean) * shrink
    return Interval(low=low, high=high, confidence=confidence, method=_named("bootstrap (BCa)", shrink))


def _wilson(share: float, n: int, *, confidence: float, shrink: float) -> tuple[float, float]:
    """Wilson's score interval, with the sample size made effective for a finite population.

    By hand because the correction needs a non-integer effective sample size, which scipy's
    ``proportion_ci`` does not take.
    """
    if shrink == 0:
        return share, share
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    effective = n / (shrink * shrink)
    centre = (share + z * z / (2 * effective)) / (1 + z * z / effective)
    half = z / (1 + z * z / effective) * math.sqrt(share * (1 - share) / effective + z * z / (4 * effective**2))
    return max(0.0, centre - half), min(1.0, centre + half)


def _named(method: str, shrink: float) -> str:
    return method if shrink == 1.0 else f"{method}, finite-split corrected"
