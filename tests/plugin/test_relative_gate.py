"""Relative claims through the accuracy suite: Intel's INT8 model.onnx held to 99% of the FP32 model's
accuracy on the same rows, on the whole split and on samples (judged by the paired test)."""

from __future__ import annotations

import json

import pytest

from harness.replica.defects import apply_defect

SST2_INT8 = "Intel/distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc"


@pytest.fixture
def run_recovery(run_gate, replica_copy):
    def run(*args: str):
        return run_gate("-m", "accuracy", "-k", "sst2-int8-onnx-recovery", "--harness-hub", str(replica_copy), "--harness-model",
                        SST2_INT8, "--harness-json=verdicts.json", *args, suites=["accuracy"], backends=["onnx"])  # fmt: skip

    return run


def verdict_of(pytester: pytest.Pytester) -> dict:
    claims = json.loads((pytester.path / "verdicts.json").read_text())["claims"]
    return next(c for c in claims if c["claim_id"] == "sst2-int8-onnx-recovery" and c["backend"] == "onnx")


def reference_accuracy(replica, claim_id: str, backend: str) -> float:
    return json.loads((replica / "harness-replica.json").read_text())["expected"][claim_id][backend]["value"]


def test_on_the_whole_split_int8_keeps_99_percent_of_the_fp32_reference(run_recovery, pytester, replica_copy):
    result = run_recovery()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["sst2-int8-onnx-recovery*onnx*pass (stand-in)*872 *"])
    found = verdict_of(pytester)
    fp32 = reference_accuracy(replica_copy, "sst2-fp32-accuracy", "torch")  # the pipeline's, one at a time
    assert found["baseline_measured"] == pytest.approx(fp32, abs=1e-12)
    assert found["target"] == pytest.approx(0.99 * fp32, abs=1e-12) and found["measured"] >= found["target"]
    assert found["ratio"] == pytest.approx(found["measured"] / fp32)
    assert found["evaluation"] == "full split" and "whole split" in found["paired_test"]
    assert "distilbert/distilbert-base-uncased-finetuned-sst-2-english @ " in found["baseline"]
    assert found["tolerance"].startswith("at least 0.99 × distilbert/")
    assert found["claimed"] is None and found["compared_with"].startswith("at least 0.99 × the baseline")


def test_a_sample_is_judged_by_the_paired_test_and_one_too_small_to_tell_says_so(run_recovery, pytester):
    run_recovery("--harness-limit", "800").assert_outcomes(passed=1)
    found = verdict_of(pytester)
    assert found["evaluation"] == "sample" and found["n"] == 800
    assert "exact paired bound (95% one-sided)" in found["paired_test"] and "of 800" in found["paired_test"]
    small = run_recovery("--harness-limit", "100", "-rs")
    small.assert_outcomes(skipped=1)
    said = [
        "*a sample of 100 cannot tell: measured 0.* against the bound 0.*, and (measured − bound) may lie anywhere "
        "in [[]-0.*, +0.*[]]; a larger --harness-limit or the whole split decides",
    ]
    small.stdout.fnmatch_lines(["*sst2-int8-onnx-recovery*onnx*skipped*0.*100 *", *said])
    assert verdict_of(pytester)["paired_test"].startswith("exact paired bound (95% one-sided): 0 examples only the")
    strict = run_recovery("--harness-limit", "100", "--harness-strict")
    strict.assert_outcomes(failed=1)
    strict.stdout.fnmatch_lines(["*strict mode: a claim that cannot be checked fails: a sample of 100 cannot tell*"])


@pytest.mark.parametrize("limit", [None, 800], ids=["full-split", "sample-of-800"])
def test_damaged_int8_weights_fail_the_recovery(run_recovery, replica_copy, limit):
    apply_defect(replica_copy, repo=SST2_INT8, defect="damage-weights")
    result = run_recovery(*(["--harness-limit", str(limit)] if limit else []))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*claim sst2-int8-onnx-recovery [[]onnx[]] DOES NOT HOLD on the stand-in*",
        "*claimed    accuracy = —*",
        "*expected   0.9*(at least 0.99 × the baseline (recovery): the stand-in baseline's reference on the same rows)",
        "*baseline   0.9*(distilbert/distilbert-base-uncased-finetuned-sst-2-english @ * on torch)",
        "*reason     measured 0.* is below the bound 0.9*",
        "*tolerance  at least 0.99 × distilbert/distilbert-base-uncased-finetuned-sst-2-english on torch, on the same rows",
    ])  # fmt: skip
