"""The latency suite through pytester: pytest-benchmark's own comparison gates a slowed backend."""

from __future__ import annotations

import json

import pytest

SST2_FP32 = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
# 50 ms more per forward pass (a single query takes about 20 ms at true size on 2 cores).
SLOWED = "time.sleep(0.05)\n        return original(self, batch)"


@pytest.fixture
def run_benchmarks(run_gate, true_size_replica, tmp_path):
    storage = tmp_path / "benchmarks"

    def run(*args: str):
        return run_gate(
            "-k", "single_query", f"--benchmark-storage=file://{storage}", *args, suites=["benchmarks"],
            hub="replica", models=[SST2_FP32], backends=["torch"],
        )  # fmt: skip

    return run


def test_a_slowed_backend_fails_the_comparison_with_a_saved_run(run_benchmarks, patch_torch_backend):
    run_benchmarks("--benchmark-save=baseline").assert_outcomes(passed=1)
    patch_torch_backend(SLOWED)
    result = run_benchmarks("--benchmark-compare=0001", "--benchmark-compare-fail=median:10%")
    assert result.ret != 0
    # pytest-benchmark prints the comparison table, then raises its PerformanceRegression.
    result.stdout.fnmatch_lines(["*single_query_latency*(0001_baselin)*", "*single_query_latency*(NOW)*"])
    assert "Performance has regressed" in result.stdout.str() + result.stderr.str()


def test_an_unchanged_backend_passes_the_same_comparison(run_benchmarks):
    run_benchmarks("--benchmark-save=baseline").assert_outcomes(passed=1)
    # A threshold far above machine noise, so only a real slowdown could fail it.
    result = run_benchmarks("--benchmark-compare=0001", "--benchmark-compare-fail=median:100%")
    result.assert_outcomes(passed=1)
    assert result.ret == 0


def test_the_saved_run_carries_what_a_reader_needs(run_benchmarks, tmp_path):
    run_benchmarks("--benchmark-save=baseline").assert_outcomes(passed=1)
    (saved,) = (tmp_path / "benchmarks").rglob("0001_baseline.json")
    (bench,) = json.loads(saved.read_text())["benchmarks"]
    info = bench["extra_info"]
    assert info["model"] == SST2_FP32 and len(info["revision"]) == 40 and info["backend"] == "torch"
    assert info["kind"] == "single query" and info["examples"] == 1 and info["max_seq_length"] == 128
    assert isinstance(info["threads"], int) and info["query_tokens"] > 2
    assert info["examples_per_second"] == pytest.approx(1 / bench["stats"]["median"], rel=0.01)


def test_a_strict_run_of_benchmarks_alone_checks_no_claim(run_benchmarks):
    # A benchmark times a model and asserts nothing: it does not count as a checked claim.
    result = run_benchmarks("--harness-strict", "--benchmark-disable")
    result.assert_outcomes(passed=1)
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*harness: strict mode: no claim was checked in this run*"])
