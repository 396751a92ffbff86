"""Latency and throughput of every model on every backend its claims name, with pytest-benchmark.

Compare runs with pytest-benchmark's own workflow: ``--benchmark-autosave`` keeps a run, and
``--benchmark-compare --benchmark-compare-fail=median:10%`` fails on a regression against it.
"""

import pytest

pytestmark = pytest.mark.latency


def test_single_query_latency(harness_workload, harness_benchmark):
    harness_benchmark(harness_workload, "single query")


def test_batch_throughput(harness_workload, harness_benchmark):
    harness_benchmark(harness_workload, "throughput")
