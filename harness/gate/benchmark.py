"""pytest-benchmark glue: time a workload's job, and keep the percentiles the report shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from harness.gate.records import LATENCY

if TYPE_CHECKING:
    from harness.evaluation.workload import Workload
    from harness.gate.session import HarnessSession


# What a latency record says of the workload it timed.
RECORDED = ("model", "revision", "backend", "artifact", "threads", "mode", "device")

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
        **{key: workload.info[key] for key in RECORDED},
        "max_seq_length": workload.info["max_seq_length"],
        "kind": kind,
        "examples": job.examples,
        "rounds": int(seconds.size),
        "p50_ms": float(p50 * 1000),
        "p90_ms": float(p90 * 1000),
        "examples_per_second": float(job.examples / p50),
    }


def timer(request: pytest.FixtureRequest, session: HarnessSession) -> Callable[[Workload, str], None]:
    """``run(workload, kind)``: time the job with the test's ``benchmark`` fixture and record it for the report."""
    try:
        benchmark = request.getfixturevalue("benchmark")
    except pytest.FixtureLookupError:
        session.cannot_run("pytest-benchmark is not installed; pip install pytest-benchmark (or 'harness[test]')")

    def run(workload: Workload, kind: str) -> None:
        record = benchmark_job(benchmark, workload, kind)
        if record is not None:
            session.record(request.node, LATENCY, record)

    return run
