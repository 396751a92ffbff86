"""benchmarks/evaluation_speed.py runs end to end (on a small sample here; the README's figures come
from the whole split) and its FP32 contenders predict what the transformers pipeline predicts."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "evaluation_speed.py"


@pytest.mark.skipif(importlib.util.find_spec("evaluate") is None, reason="needs evaluate (the 'test' extra)")
def test_the_benchmark_script_runs_and_checks_agreement(true_size_replica, pytestconfig, tmp_path):
    from harness.plugin import SESSION

    spec = importlib.util.spec_from_file_location("evaluation_speed", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    cache = pytestconfig.stash[SESSION].cache_dir
    out = tmp_path / "figures.json"
    argv = ["--limit", "24", "--qa-limit", "4", "--rounds", "1", "--json", str(out), "--cache-dir", str(cache)]
    assert script.main(argv) == 0
    figures = json.loads(out.read_text())
    harness = {"harness torch fp32", "harness onnx fp32", "harness onnx int8", "harness openvino fp32",
               "harness openvino int8"}  # fmt: skip
    contenders = figures["tasks"]["text-classification"]["contenders"]
    assert set(contenders) == {"evaluate.evaluator", "one at a time", *harness}
    for name in ("evaluate.evaluator", "harness torch fp32", "harness onnx fp32", "harness openvino fp32"):
        assert contenders[name]["same_prediction_as_pipeline"] == 1.0, name
    assert contenders["evaluate.evaluator"]["vs_evaluator"] == 1.0
    torch_fp32 = contenders["harness torch fp32"]
    assert 0 < torch_fp32["fraction_of_matmul_peak"] <= torch_fp32["fraction_of_matmul_peak_padding_included"] < 1.5
    assert figures["matmul_peak_gflops"] > 1
    qa = figures["tasks"]["question-answering"]
    assert qa["examples"] == 4 and set(qa["contenders"]) == {"evaluate.evaluator", *harness}
    # the harness's backends answer alike: the engine, not the backend, decides the answer
    assert qa["contenders"]["harness onnx fp32"]["same_as_harness_torch"] == 1.0
    assert qa["contenders"]["harness openvino fp32"]["same_as_harness_torch"] == 1.0
    sharded = figures["sharded"]  # one process with every core against one process per core
    assert sharded["examples"] == 24 and len(sharded["setups"]) == 2
    assert all(entry["examples_per_second"] > 0 for entry in sharded["setups"].values())
