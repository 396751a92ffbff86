"""Is a candidate at least as good as its baseline, less an allowed margin, on the same examples?

A relative claim ("INT8 keeps 99% of FP32's accuracy") runs both models on the same rows. On a whole
split the two values are the population's: they are compared as they are. On a sample, each value has
a sampling error, but the two errors are strongly correlated (the models agree on most examples), so
the verdict asks paired questions of (candidate − bound), where the bound follows the baseline: its
one-sided 95% lower confidence bound at or above zero shows the candidate reaches the bound (a
non-inferiority test); its one-sided 95% upper bound below zero shows it falls short. Between the two,
the sample cannot tell, and the verdict says so rather than guess.

- Right/wrong metrics (accuracy, exact match): exact. The difference of two paired proportions is
  π·(2θ − 1), with π the share of examples where exactly one side is right and θ the candidate's
  share of those. Clopper–Pearson bounds on π and θ (and, for a recovery, on the baseline's value),
  joined by Bonferroni, give bounds that hold at any sample size, with no normal approximation.
- Anything else (a QA F1 per question, a classifier's corpus-level F1): a paired bootstrap that
  resamples examples, each carrying both sides' scores.

Both ignore the finite-split correction the absolute claims' intervals use, which only makes them wider.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.measures import metrics

CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 2_000
# Right/wrong metrics and the value a right example scores.
PROPORTIONS = {"accuracy": 1.0, "exact_match": 100.0}


@dataclass(frozen=True, kw_only=True)
class Rule:
    """How far below the baseline a candidate may fall: ``recovery`` (a share of the baseline's
    value) or ``max_drop`` (an amount in the metric's own units)."""

    recovery: float | None = None
    max_drop: float | None = None

    def bound(self, baseline: float) -> float:
        return baseline * self.recovery if self.recovery is not None else baseline - self.max_drop

    def describe(self) -> str:
        if self.recovery is not None:
            return f"at least {self.recovery:.4g} × the baseline (recovery)"
        return f"at most {self.max_drop:g} below the baseline (max_drop)"


@dataclass(frozen=True, kw_only=True)
class PairedResult:
    candidate: float
    baseline: float
    bound: float  # the value the candidate must reach: rule.bound(baseline)
    # One-sided 95% confidence bounds on candidate − bound (both the value itself on a whole split).
    lower: float
    upper: float
    method: str

    @property
    def passed(self) -> bool:
        """Shown to reach the bound."""
        return self.lower >= -1e-12

    @property
    def failed(self) -> bool:
        """Shown to fall short of it; neither passed nor failed: a sample too small to tell."""
        return self.upper < -1e-12

    @property
    def ratio(self) -> float | None:
        return self.candidate / self.baseline if self.baseline else None


def compare(
    metric: str, candidate: np.ndarray, baseline: np.ndarray, rule: Rule, *, whole_split: bool, seed: int = 0
) -> PairedResult:
    """Judge ``candidate``'s per-example scores against ``baseline``'s, row for row."""
    candidate, baseline = np.asarray(candidate, dtype=np.float64), np.asarray(baseline, dtype=np.float64)
    if len(candidate) != len(baseline) or len(candidate) == 0:
        raise ValueError(f"paired scores need the same rows on both sides, found {len(candidate)} and {len(baseline)}")
    value, base = metrics.value_of(metric, candidate), metrics.value_of(metric, baseline)
    bound = rule.bound(base)
    if whole_split:
        method = "the whole split: both values are the split's own, compared as they are"
        margin = value - bound
        return PairedResult(candidate=value, baseline=base, bound=bound, lower=margin, upper=margin, method=method)
    if metric in PROPORTIONS:
        unit = PROPORTIONS[metric]
        (lower, upper), method = _exact_bounds(candidate / unit, baseline / unit, rule, unit)
    else:
        (lower, upper), method = _bootstrap_bounds(metric, candidate, baseline, rule, seed)
    return PairedResult(candidate=value, baseline=base, bound=bound, lower=lower, upper=upper, method=method)


def _exact_bounds(
    candidate: np.ndarray, baseline: np.ndarray, rule: Rule, unit: float
) -> tuple[tuple[float, float], str]:
    """One-sided bounds on (candidate − rule.bound(baseline)) in the metric's units, from exact binomial bounds."""
    if not (np.isin(candidate, (0, 1)).all() and np.isin(baseline, (0, 1)).all()):
        raise ValueError(f"right/wrong scores must each be 0 or {unit:g}")
    n = len(candidate)
    wins = int(np.sum((candidate == 1) & (baseline == 0)))
    losses = int(np.sum((candidate == 0) & (baseline == 1)))
    parts = 3 if rule.recovery is not None else 2
    alpha = (1 - CONFIDENCE) / parts  # Bonferroni: each bound at alpha, together at 1 - CONFIDENCE
    if rule.recovery is not None:  # candidate − r·baseline = (candidate − baseline) + (1 − r)·baseline
        right = int(baseline.sum())
        slack = [(1 - rule.recovery) * _clopper_pearson(right, n, alpha, upper=upper) for upper in (False, True)]
    else:
        slack = [rule.max_drop / unit] * 2
    lower = _difference_low(wins, losses, n, alpha) + slack[0]
    upper = -_difference_low(losses, wins, n, alpha) + slack[1]  # the baseline's view of the same pairs
    method = (
        f"exact paired bound ({CONFIDENCE:.0%} one-sided): {wins} examples only the candidate gets right, {losses} "
        f"only the baseline, of {n}; Clopper–Pearson bounds joined by Bonferroni"
    )
    return (lower * unit, upper * unit), method


def _difference_low(wins: int, losses: int, n: int, alpha: float) -> float:
    """A lower bound on P(only the candidate right) − P(only the baseline right) = π·(2θ − 1)."""
    discordant = wins + losses
    # π, the share of examples where the two differ, within a two-sided interval (alpha split over its
    # ends: which end matters depends on the sign of 2θ − 1); θ at least its lower bound.
    share = [_clopper_pearson(discordant, n, alpha / 2, upper=upper) for upper in (False, True)]
    factor = 2 * (_clopper_pearson(wins, discordant, alpha, upper=False) if discordant else 0.0) - 1
    return factor * (share[1] if factor < 0 else share[0])


def _clopper_pearson(successes: int, trials: int, alpha: float, *, upper: bool) -> float:
    from scipy.stats import beta

    if upper:
        return 1.0 if successes == trials else float(beta.ppf(1 - alpha, successes + 1, trials - successes))
    return 0.0 if successes == 0 else float(beta.ppf(alpha, successes, trials - successes + 1))


def _bootstrap_bounds(
    metric: str, candidate: np.ndarray, baseline: np.ndarray, rule: Rule, seed: int
) -> tuple[tuple[float, float], str]:
    """One-sided bounds on (candidate − rule.bound(baseline)) by a paired percentile bootstrap over examples."""
    from scipy import stats

    def margin(rows: np.ndarray) -> float:
        return metrics.value_of(metric, candidate[rows]) - rule.bound(metrics.value_of(metric, baseline[rows]))

    rows = np.arange(len(candidate))
    if len(rows) == 1:
        return (margin(rows),) * 2, "one example: a paired bootstrap has nothing to resample"
    # A two-sided interval at 1 - 2·(1 - CONFIDENCE): each end is a one-sided bound at CONFIDENCE.
    found = stats.bootstrap(
        (rows,), margin, confidence_level=2 * CONFIDENCE - 1, n_resamples=BOOTSTRAP_RESAMPLES, method="percentile",
        vectorized=False, random_state=np.random.default_rng(seed),
    ).confidence_interval  # fmt: skip
    method = (
        f"paired bootstrap ({CONFIDENCE:.0%} one-sided percentile, {BOOTSTRAP_RESAMPLES} resamples of the "
        f"{len(rows)} examples, each carrying both sides' scores)"
    )
    return (float(found.low), float(found.high)), method


@dataclass(frozen=True, kw_only=True)
class Change:
    """How a claim's per-example results moved between two runs on the same rows."""

    old: float
    new: float
    low: float  # 95% interval of new − old
    high: float
    p_value: float | None  # McNemar's exact test, one-sided towards "worse", for right/wrong metrics
    method: str

    @property
    def difference(self) -> float:
        return self.new - self.old

    @property
    def regressed(self) -> bool:
        """Significantly worse at the 5% level (one-sided)."""
        if self.p_value is not None:
            return self.p_value < 1 - CONFIDENCE
        return self.high < 0


def change(metric: str, old: np.ndarray, new: np.ndarray, *, seed: int = 0) -> Change:
    """The change from ``old`` to ``new`` per-example scores of the same rows, with its interval and test:
    McNemar's exact test and exact paired bounds for right/wrong metrics, a paired bootstrap otherwise."""
    old, new = np.asarray(old, dtype=np.float64), np.asarray(new, dtype=np.float64)
    if len(old) != len(new) or len(old) == 0:
        raise ValueError(f"paired scores need the same rows on both sides, found {len(old)} and {len(new)}")
    before, after = metrics.value_of(metric, old), metrics.value_of(metric, new)
    if metric in PROPORTIONS:
        unit, n = PROPORTIONS[metric], len(old)
        wins = int(np.sum((new == unit) & (old == 0)))
        losses = int(np.sum((new == 0) & (old == unit)))
        from scipy.stats import binom

        p_value = float(binom.cdf(wins, wins + losses, 0.5)) if wins + losses else 1.0
        alpha = (1 - CONFIDENCE) / 4  # each end of the 95% interval at 2.5%, each bound of it split in two
        low, high = _difference_low(wins, losses, n, alpha) * unit, -_difference_low(losses, wins, n, alpha) * unit
        method = (f"McNemar's exact test (one-sided, towards worse): {wins} examples right only now, {losses} right "
                  f"only before, of {n}: p = {p_value:.3g}")  # fmt: skip
        return Change(old=before, new=after, low=low, high=high, p_value=p_value, method=method)
    rows = np.arange(len(old))
    if len(rows) == 1 or np.array_equal(old, new):
        return Change(old=before, new=after, low=after - before, high=after - before, p_value=None,
                      method="the same scores on every example: nothing changed")  # fmt: skip
    from scipy import stats

    found = stats.bootstrap(
        (rows,), lambda r: metrics.value_of(metric, new[r]) - metrics.value_of(metric, old[r]),
        confidence_level=CONFIDENCE, n_resamples=BOOTSTRAP_RESAMPLES, method="percentile", vectorized=False,
        random_state=np.random.default_rng(seed),
    ).confidence_interval  # fmt: skip
    method = f"paired bootstrap over the {len(rows)} examples: significantly worse when the whole interval is below 0"
    return Change(old=before, new=after, low=float(found.low), high=float(found.high), p_value=None, method=method)
