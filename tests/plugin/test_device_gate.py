"""--harness-device through the gate: a device that is not here skips each claim with the reason (and fails it
under --harness-strict); auto settles on what is here and the verdict names it. Here means this machine:
on one with a GPU the first two tests say so and skip."""

from __future__ import annotations

import json

import pytest

from harness.cli import main
from harness.machine import cpu_model

SST2_FP32 = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"


@pytest.fixture
def no_gpu():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device: the missing-device path is tested where there is none")


@pytest.fixture
def gate(run_gate, replica_copy):
    def run(*args: str):
        return run_gate("-m", "accuracy", "--harness-hub", str(replica_copy), "--harness-model", SST2_FP32, "-rs",
                        *args, suites=["accuracy"], backends=["torch", "onnx"])  # fmt: skip

    return run


def test_cuda_where_there_is_none_skips_each_claim_saying_why(gate, no_gpu):
    result = gate("--harness-device", "cuda")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines_random([
        "SKIPPED*--harness-device cuda:0: torch sees no CUDA device here (torch.cuda.is_available() is False); run "
        "on `cpu`, or `auto` to take a GPU where there is one",
        "SKIPPED*--harness-device cuda:0: ONNX Runtime has no CUDA execution provider here (it needs a GPU and "
        "onnxruntime-gpu: pip install 'harness[[]onnx-gpu[]]')*",
    ])  # fmt: skip
    strict = gate("--harness-device", "cuda", "--harness-strict")
    strict.assert_outcomes(failed=2)
    strict.stdout.fnmatch_lines(["*strict mode: a claim that cannot be checked fails: --harness-device cuda:0: *"])


def test_auto_settles_on_the_cpu_here_and_the_verdict_names_it(gate, pytester, no_gpu):
    result = gate("--harness-device", "auto", "--harness-json=verdicts.json")
    result.assert_outcomes(passed=2)
    ran = [v for v in json.loads((pytester.path / "verdicts.json").read_text())["claims"] if v["n"]]
    assert [v["device"] for v in ran] == [f"cpu ({cpu_model()})"] * 2


def test_a_device_that_is_not_one_is_refused_before_anything_runs(gate):
    result = gate("--harness-device", "gpu")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*--harness-device: expected a device: cpu, cuda, cuda:N or auto; found 'gpu'*"])


def test_harness_eval_on_a_missing_device_exits_2_with_the_reason(replica_root, no_gpu, capsys):
    code = main(["eval", "--model", SST2_FP32, "--dataset", "nyu-mll/glue", "--config", "sst2", "--split", "validation",
                 "--task", "text-classification", "--backend", "torch", "--device", "cuda", "--hub",
                 str(replica_root), "--limit", "5"])  # fmt: skip
    assert code == 2
    assert "harness eval: --harness-device cuda:0: torch sees no CUDA device here" in capsys.readouterr().err
