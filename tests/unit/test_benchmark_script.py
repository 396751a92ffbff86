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
    assert script.main(["--limit", "40", "--rounds", "1", "--json", str(out), "--cache-dir", str(cache)]) == 0
    figures = json.loads(out.read_text())
    contenders = figures["contenders"]
    assert set(contenders) == {"evaluate.evaluator", "one at a time", "harness torch fp32", "harness onnx fp32",
                               "harness onnx int8"}  # fmt: skip
    for name in ("evaluate.evaluator", "harness torch fp32", "harness onnx fp32"):
        assert contenders[name]["same_prediction_as_pipeline"] == 1.0, name
    assert contenders["evaluate.evaluator"]["vs_evaluator"] == 1.0
    assert 0 < contenders["harness torch fp32"]["fraction_of_matmul_peak"] < 1.5
    assert figures["matmul_peak_gflops"] > 1
