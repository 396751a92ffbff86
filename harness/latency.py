"""Speed: the workloads latency benchmarks time, and speed ratios measured interleaved in one run.

A workload is end to end, as a user of the model sees it: tokenization, the model, and the answer
(argmax for classification, span selection for QA). Absolute times depend on the machine, so they
are reported; only ratios between two models measured in the same run are gated.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from harness.backends.base import PickleRefused, Predictor, require
from harness.data import Split
from harness.hub import Snapshot
from harness.loading import NotSupported, Settings, open_split, sample
from harness.registry import Claim, Registry
from harness.subject import open_subject
from harness.verdict import CARD, FAIL, STAND_IN, Verdict, outcome

# What a ratio claim's bar is: no card states a ratio the harness can reproduce.
EXPECTATION = "the harness's expectation (not on the card); see the claim's source for why"

# Examples per throughput round, unless --harness-limit says otherwise: enough for several full
# batches, few enough that a round takes about a second on 2 cores at true size. A QA question
# is several windows of up to 384 tokens, hence fewer.
THROUGHPUT_EXAMPLES = {"question-answering": 8}
DEFAULT_THROUGHPUT_EXAMPLES = 32
SPEEDUP_ROUNDS = 20  # enough paired rounds for a bootstrap bound on the median ratio


@dataclass(frozen=True, kw_only=True)
class Target:
    """One model on one backend, read with the dataset and settings of its first accuracy claim."""

    claim: Claim
    backend: str

    @property
    def id(self) -> str:
        return f"{self.claim.model.repo.split('/')[-1]}-{self.backend}"


def targets(registry: Registry, *, models: Sequence[str] = (), backends: Sequence[str] = ()) -> list[Target]:
    found: dict[tuple[str, str], Target] = {}
    for claim in registry.select(suite="accuracy", models=models, checkable=True):
        for backend in claim.backends:
            if not backends or backend in backends:
                found.setdefault((claim.model.repo, backend), Target(claim=claim, backend=backend))
    return list(found.values())


@dataclass(frozen=True, kw_only=True)
class Job:
    kind: str  # "single query" or "throughput"
    examples: int
    run: Callable[[], object]


@dataclass(frozen=True, kw_only=True)
class Workload:
    single_query: Job
    throughput: Job
    info: dict[str, Any] = field(default_factory=dict)  # what a benchmark's extra_info records


def prepare(
    claim: Claim, backend: str, settings: Settings, *, opened: tuple[Snapshot, Split] | None = None
) -> Workload:
    """Load the claim's model on ``backend`` and a seeded sample of its dataset.

    The single query is the sample's example of median length: realistic, and the same every run.
    ``opened`` is the claim's dataset snapshot and split when the caller has read them already.
    """
    require(backend)  # before the dataset, so a missing backend is what the skip names
    data, split = opened or open_split(claim, settings)
    subject = open_subject(claim, backend, settings, split=split)
    limit = settings.limit or THROUGHPUT_EXAMPLES.get(claim.task, DEFAULT_THROUGHPUT_EXAMPLES)
    rows = split.take(sample(claim, split, limit=limit, seed=settings.seed))
    columns = [rows.inputs[name] for name in claim.dataset.inputs]
    lengths = subject.token_counts(*columns)
    query = sorted(range(len(rows)), key=lambda i: (lengths[i], i))[len(rows) // 2]
    one = [[column[query]] for column in columns]
    info = {
        "model": subject.model.repo,
        "revision": subject.model.revision,
        "backend": backend,
        "file": claim.file or "(the repo's PyTorch weights)",
        "artifact": subject.predictor.description,
        "dataset": f"{data.repo} {claim.dataset.config or ''}/{claim.dataset.split}".replace(" /", "/"),
        "dataset_revision": data.revision,
        "max_seq_length": subject.max_length,
        "query_tokens": lengths[query],
        "threads": threads(subject.predictor),
        "mode": _mode(settings),
    }
    return Workload(
        single_query=Job(kind="single query", examples=1, run=lambda: subject.respond(*one)),
        throughput=Job(kind="throughput", examples=len(rows), run=lambda: subject.respond(*columns)),
        info=info,
    )


def threads(predictor: Predictor) -> int | str:
    """The intra-op threads the backend computes with."""
    session = getattr(predictor, "session", None)
    if session is not None:
        configured = session.get_session_options().intra_op_num_threads
        return configured or f"onnxruntime default (one per physical core; {os.cpu_count()} logical cores)"
    import torch

    return torch.get_num_threads()


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
        return Verdict(claim_id=claim.id, backend=backend, status=FAIL, metric=claim.metric, claimed=claim.value,
                       reason=str(exc), model=claim.model.repo, source=claim.source, mode=_mode(settings))  # fmt: skip
    seconds = interleaved(
        {"candidate": candidate.throughput.run, "baseline": baseline.throughput.run}, rounds=SPEEDUP_ROUNDS
    )
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
    return Verdict(
        claim_id=claim.id,
        backend=backend,
        status=outcome(passed, compared_with=STAND_IN if settings.expectations else CARD),
        metric=claim.metric,
        claimed=claim.value,
        target=claim.value,
        target_from=EXPECTATION,
        measured=ratio,
        interval=(low, high),
        interval_method=f"90% bootstrap over {SPEEDUP_ROUNDS} paired rounds",
        tolerance=claim.tolerance.describe(),
        mode=_mode(settings),
        n=examples,
        model=candidate.info["model"],
        model_revision=candidate.info["revision"],
        dataset=candidate.info["dataset"],
        dataset_revision=candidate.info["dataset_revision"],
        source=claim.source,
        notes=tuple(notes),
        examples_per_second=examples / statistics.median(seconds["candidate"]),
    )


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


def _mode(settings: Settings) -> str:
    return "replica" if settings.expectations else "card"


def benchmark_job(benchmark, workload: Workload, kind: str) -> dict[str, Any] | None:
    """Time ``workload``'s job of ``kind`` with a pytest-benchmark fixture; what the report shows.

    None when pytest-benchmark was told not to time (``--benchmark-disable`` runs the job once).
    """
    import numpy as np

    job = {"single query": workload.single_query, "throughput": workload.throughput}[kind]
    job.run()  # warm-up, not timed: first calls pay for allocation and graph optimization
    benchmark.group = kind
    benchmark.extra_info.update({**workload.info, "kind": kind, "examples": job.examples})
    benchmark(job.run)
    if benchmark.stats is None:
        return None
    seconds = np.asarray(benchmark.stats.stats.data)
    p50, p90 = np.percentile(seconds, [50, 90])
    benchmark.extra_info["examples_per_second"] = round(job.examples / p50, 2)
    return {
        **{key: workload.info[key] for key in ("model", "revision", "backend", "artifact", "threads", "mode")},
        "max_seq_length": workload.info["max_seq_length"],
        "kind": kind,
        "examples": job.examples,
        "rounds": int(seconds.size),
        "p50_ms": float(p50 * 1000),
        "p90_ms": float(p90 * 1000),
        "examples_per_second": float(job.examples / p50),
    }
