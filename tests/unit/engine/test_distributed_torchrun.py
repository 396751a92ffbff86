"""Sharded evaluation under torchrun on loopback: the same results as one process, and no hang when a rank
dies or stops answering."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.engine.distributed import assign

SST2_FP32 = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
TINYBERT = "Intel/dynamic_tinybert"


@given(st.lists(st.integers(1, 10_000), max_size=80), st.integers(1, 5))
def test_batches_are_shared_by_the_work_they_cost(costs, ranks):
    owners = assign(costs, ranks)
    assert owners == assign(costs, ranks) and all(0 <= o < ranks for o in owners)
    loads = [sum(c for c, o in zip(costs, owners, strict=True) if o == r) for r in range(ranks)]
    # Costliest first to the least loaded: no rank ends more than one batch ahead of another.
    assert max(loads) - min(loads) <= max(costs, default=0)


def torchrun(ranks: int, *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300):
    """``args`` run under torchrun with ``ranks`` processes on this machine, one thread each."""
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={ranks}", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "OMP_NUM_THREADS": "1", **(env or {})})  # fmt: skip


ENGINE_SCRIPT = """
import sys
import numpy as np
from harness.engine import batching as engine
from harness.engine import distributed

class Predictor:  # a deterministic stand-in: per-token outputs and a per-row sum, from the ids alone
    id2label = {}
    input_names = ("input_ids", "attention_mask")
    description = "numpy"

    def logits(self, batch):
        ids = batch["input_ids"].astype(np.float64) * batch["attention_mask"]
        return (np.cumsum(ids, axis=1), ids.sum(axis=1, keepdims=True) * np.ones((1, 3)))

rng = np.random.default_rng(7)
rows = [rng.integers(1, 30_000, size=int(n)).tolist() for n in rng.integers(1, 300, size=500)]
features = engine.Encoded.from_lists(rows, pad_id=0)
group = distributed.join()
starts, sums = engine.run(Predictor(), features, per_token=True, max_tokens=2048, shards=group).outputs
if group is None or group.rank == 0:
    np.savez(sys.argv[1], sums=np.stack([s[-1] for s in starts]), lengths=[len(s) for s in starts],
             total=np.concatenate(starts))
distributed.finish(0)
"""


@pytest.mark.parametrize("ranks", [2, 3])
def test_sharded_engine_outputs_equal_one_process(tmp_path, ranks):
    import numpy as np

    script = tmp_path / "engine_run.py"
    script.write_text(ENGINE_SCRIPT)
    alone = subprocess.run([sys.executable, str(script), str(tmp_path / "one.npz")], capture_output=True, text=True)
    assert alone.returncode == 0, alone.stderr
    sharded = torchrun(ranks, str(script), str(tmp_path / "many.npz"), cwd=tmp_path)
    assert sharded.returncode == 0, sharded.stderr[-3000:]
    one, many = np.load(tmp_path / "one.npz"), np.load(tmp_path / "many.npz")
    for name in ("sums", "lengths", "total"):
        assert np.array_equal(one[name], many[name]), name  # same order, same values, bit for bit


def harness_eval(ranks: int, out: Path, replica: Path, cache: Path, *args: str):
    common = ["--hub", str(replica), "--cache-dir", str(cache), "--threads", "1", "--predictions", str(out),
              "--json", str(out.with_suffix(".json")), *args]  # fmt: skip
    if ranks == 1:
        return subprocess.run([sys.executable, "-m", "harness", "eval", *common], capture_output=True, text=True,
                              cwd=out.parent, timeout=600)  # fmt: skip
    return torchrun(ranks, "-m", "harness", "eval", *common, cwd=out.parent, timeout=600)


@pytest.mark.parametrize(
    ("ranks", "task"),
    [
        (2, ["--model", SST2_FP32, "--dataset", "nyu-mll/glue", "--config", "sst2", "--split", "validation",
             "--task", "text-classification"]),
        (3, ["--model", TINYBERT, "--dataset", "rajpurkar/squad", "--config", "plain_text", "--split", "validation",
             "--task", "question-answering", "--limit", "90"]),
    ],
    ids=["classification-2-ranks", "qa-3-ranks"],
)  # fmt: skip
def test_sharded_eval_predicts_exactly_what_one_process_does(tmp_path, replica_root, pytestconfig, ranks, task):
    from harness.plugin import SESSION

    cache = pytestconfig.stash[SESSION].cache_dir
    alone = harness_eval(1, tmp_path / "one.jsonl", replica_root, cache, *task, "--backend", "torch")
    assert alone.returncode == 0, alone.stderr[-3000:]
    sharded = harness_eval(ranks, tmp_path / "many.jsonl", replica_root, cache, *task, "--backend", "torch")
    assert sharded.returncode == 0, sharded.stderr[-3000:]
    one = (tmp_path / "one.jsonl").read_text().splitlines()
    assert len(one) > 50 and (tmp_path / "many.jsonl").read_text().splitlines() == one
    metrics = json.loads((tmp_path / "many.json").read_text())["metrics"]
    assert metrics == json.loads((tmp_path / "one.json").read_text())["metrics"]
    assert sharded.stdout.count("examples/s") == 1  # rank 0 alone reports


SUITE = (Path(__file__).parents[2] / "accuracy" / "test_claims.py").read_text()
MISBEHAVING_RANK = """
import os, time
import pytest
from harness.backends import torch as torch_backend

@pytest.fixture(autouse=True)
def rank_one_misbehaves(monkeypatch):
    original = torch_backend.TorchPredictor.logits

    def logits(self, batch):
        if os.environ.get("RANK") == "1":
            {how}
        return original(self, batch)

    monkeypatch.setattr(torch_backend.TorchPredictor, "logits", logits)
"""


@pytest.fixture
def sharded_gate(pytester, replica_copy, pytestconfig):
    from harness.plugin import SESSION

    pytester.makepyfile(test_claims=SUITE)
    cache = pytestconfig.stash[SESSION].cache_dir

    def run(ranks: int, *args: str, env: dict[str, str] | None = None, timeout: float = 600):
        return torchrun(ranks, "-m", "pytest", "-p", "no:cacheprovider", "-m", "accuracy", "--harness-hub",
                        str(replica_copy), f"--harness-cache-dir={cache}", "--harness-no-cache",
                        f"--harness-model={SST2_FP32}", "--harness-backend=torch", *args, cwd=pytester.path,
                        env=env, timeout=timeout)  # fmt: skip

    return run


def test_the_accuracy_gate_runs_sharded_and_rank_zero_reports(sharded_gate, pytester):
    result = sharded_gate(2, "--harness-json=verdicts.json")
    assert result.returncode == 0, result.stdout[-3000:]
    (verdict,) = [v for v in json.loads((pytester.path / "verdicts.json").read_text())["claims"]
                  if v["status"] == "pass (stand-in)"]  # fmt: skip
    assert verdict["claim_id"] == "sst2-fp32-accuracy" and verdict["n"] == 872
    # the replica's reference, computed one example at a time by the pipeline, to the last example
    assert verdict["measured"] == verdict["target"] and verdict["differing"] == 0
    assert json.loads((pytester.path / "verdicts.json").read_text())["ranks"] == 2


@pytest.mark.parametrize(
    ("how", "said"),
    [
        # torchrun stops the other rank and names the one that died
        ("os._exit(3)", ["*Root Cause (first observed failure)*", "*rank*: 1 (local_rank: 1)*", "*exitcode*: 3 *"]),
        # the rank waiting for it names the one that hangs
        (
            "time.sleep(3600)",
            ["*rank 1 of 2 did not reach step *(the engine's outputs) within 15 s: it died or hangs*"],
        ),
    ],
    ids=["dies", "hangs"],
)
def test_a_rank_that_dies_or_hangs_fails_the_run_in_bounded_time_naming_it(sharded_gate, pytester, how, said):
    pytester.makeconftest(MISBEHAVING_RANK.format(how=how))
    started = time.monotonic()
    result = sharded_gate(2, "--harness-json=verdicts.json", env={"HARNESS_DISTRIBUTED_TIMEOUT": "15"}, timeout=240)
    assert result.returncode != 0
    assert time.monotonic() - started < 180
    pytest.LineMatcher((result.stdout + result.stderr).splitlines()).fnmatch_lines(said)
    if how.startswith("time"):  # rank 0 lived to report: the claim failed, and the report says why
        (verdict,) = [v for v in json.loads((pytester.path / "verdicts.json").read_text())["claims"]
                      if v["backend"] == "torch" and v["claim_id"] == "sst2-fp32-accuracy"]  # fmt: skip
        assert verdict["status"] == "fail" and "rank 1 of 2 did not reach" in verdict["reason"]
