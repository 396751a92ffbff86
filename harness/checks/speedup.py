"""Speed ratios, measured interleaved in one run: absolute times depend on the machine, so they are
reported; only ratios between two models measured in the same run are gated."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from harness.backends.base import PickleRefused, require
from harness.claims.model import Claim
from harness.claims.verdict import CARD, FAIL, STAND_IN, Verdict, outcome
from harness.errors import NotSupported
from harness.evaluation.context import Settings
from harness.evaluation.opening import open_split
from harness.evaluation.workload import Workload, prepare
from harness.tasks import task_of

# What a ratio claim's bar is: no card states a ratio the harness can reproduce.
EXPECTATION = "the harness's expectation (not on the card); see the claim's source for why"


SPEEDUP_ROUNDS = 20  # enough paired rounds for a bootstrap bound on the median ratio


def interleaved(jobs: Mapping[str, Callable[[], object]], *, rounds: int, warmup: int = 1) -> dict[str, list[float]]:
    """Seconds per run of each job, the jobs taking turns round by round.

    The order flips every round (A B, B A, ...), so drift in the machine's speed (other load, clock
    changes) falls on every job alike and cancels in their ratio.
    """
    names = list(jobs)
    for _ in range(warmup):
        for name in names:
            jobs[name]()
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(rounds):
        for name in names if round_number % 2 == 0 else reversed(names):
            start = time.perf_counter()
            jobs[name]()
            seconds[name].append(time.perf_counter() - start)
    return seconds


def check_speedup(claim: Claim, backend: str, settings: Settings) -> Verdict:
    """The claim's throughput over its baseline's, on the same rows, measured interleaved."""
    task_of(claim.task)  # a task this harness lacks cannot be timed here
    expectations = settings.expectations
    if expectations is not None and expectations.size != "true":
        raise NotSupported(
            f"the replica at {expectations.root} holds tiny stand-ins, whose speed says nothing about the real "
            "models'; speed ratios are measured on true-size stand-ins (`--harness-hub replica` does that for "
            "the latency suite) or on the real artifacts"
        )
    baseline_spec = claim.baseline
    assert baseline_spec is not None, "the registry requires a baseline for every checkable ratio claim"
    try:
        require(backend)
        require(baseline_spec.backend)
        opened = open_split(claim, settings)  # both run the same rows: read them once
        candidate = prepare(claim, backend, settings, opened=opened)
        baseline_claim = replace(claim, model=baseline_spec.model, file=baseline_spec.file)
        baseline = prepare(baseline_claim, baseline_spec.backend, settings, opened=opened)
    except PickleRefused as exc:
        return Verdict.unchecked(claim, backend, status=FAIL, reason=str(exc), mode=settings.mode)
    seconds = interleaved(
        {"candidate": candidate.throughput.run, "baseline": baseline.throughput.run}, rounds=SPEEDUP_ROUNDS
    )
    return _judged(claim, backend, settings, candidate, baseline, seconds)


def _judged(
    claim: Claim, backend: str, settings: Settings, candidate: Workload, baseline: Workload,
    seconds: dict[str, list[float]],
) -> Verdict:  # fmt: skip
    """The median ratio of paired rounds, judged by its lower confidence bound against the bar."""
    examples = candidate.throughput.examples
    ratios = [b / c for b, c in zip(seconds["baseline"], seconds["candidate"], strict=True)]
    ratio, (low, high) = statistics.median(ratios), ratio_interval(ratios, seed=settings.seed)
    described = {"candidate": candidate.info, "baseline": baseline.info}
    notes = [
        f"{name}: {info['model']} [{info['backend']}, {info['artifact']}] median "
        f"{statistics.median(seconds[name]) * 1000:.0f} ms per round of {examples} examples "
        f"({examples / statistics.median(seconds[name]):.0f} examples/s), threads {info['threads']}"
        for name, info in described.items()
    ]
    notes.append(
        f"ratio per round over {SPEEDUP_ROUNDS} interleaved rounds: median {ratio:.3f}, spread {min(ratios):.3f} to "
        f"{max(ratios):.3f}; judged: the lower end {low:.3f} (a 95% lower confidence bound) against the bar"
    )
    if settings.expectations:
        notes.append("both artifacts are the true-size replica's stand-ins, made by the harness (random weights)")
    passed = claim.tolerance.admits(claimed=claim.value, measured=low)
    return Verdict.for_claim(
        claim, backend, mode=settings.mode,
        status=outcome(passed, compared_with=STAND_IN if settings.expectations else CARD), target=claim.value,
        target_from=EXPECTATION, measured=ratio, interval=(low, high),
        interval_method=f"90% bootstrap over {SPEEDUP_ROUNDS} paired rounds", n=examples,
        model=candidate.info["model"], model_revision=candidate.info["revision"], dataset=candidate.info["dataset"],
        dataset_revision=candidate.info["dataset_revision"], notes=tuple(notes),
        examples_per_second=examples / statistics.median(seconds["candidate"]),
    )  # fmt: skip


def ratio_interval(ratios: Sequence[float], *, seed: int) -> tuple[float, float]:
    """A 90% bootstrap interval of the median per-round ratio; its lower end is a one-sided 95% bound.

    Rounds are paired (each round times both, interleaved), so the ratio of a round cancels the drift
    both saw; resampling rounds says how far the median would move on another run of the same length.
    """
    import numpy as np
    from scipy import stats

    found = stats.bootstrap(
        (np.asarray(ratios),), np.median, confidence_level=0.90, method="percentile", n_resamples=2000,
        random_state=np.random.default_rng(seed),
    )  # fmt: skip
    return float(found.confidence_interval.low), float(found.confidence_interval.high)
