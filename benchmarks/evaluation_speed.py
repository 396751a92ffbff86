"""How fast the harness evaluates, against the common ways of measuring, in one run on one machine.

    python benchmarks/evaluation_speed.py [--limit N] [--qa-limit N] [--rounds R] [--json FILE]

On the true-size stand-ins (random weights, real sizes) it times, taking turns round by round so
that drift in the machine's speed falls on every contender alike:

- text classification, the CLINC stand-in (a DistilBERT-base with 151 labels, 3,100 short queries):
  ``evaluate.evaluator("text-classification")`` with the transformers pipeline; a one-example-at-a-time
  loop over the same pipeline (the book's PerformanceBenchmark); the harness on torch FP32, on ONNX
  Runtime FP32 (an export) and INT8 (that export, dynamically quantized), on OpenVINO FP32 (an export)
  and with INT8 weights (NNCF's weight compression of that export);
- question answering, the SQuAD stand-in (a 6-layer, 768-wide BERT; 240 questions over long
  contexts): ``evaluate.evaluator("question-answering")`` and the same five harness backends.

It prints examples/s and each one's ratio to the evaluator, how often each contender predicts what
the pipeline predicts, and the machine's FP32 matmul peak measured in the same run, with the
fraction of it the harness's torch FP32 forward passes achieve on the classification stand-in.

Last, sharded: ``harness eval`` of the classification stand-in as one process using every core,
against one process per core with a thread each under torchrun (reported, not asserted).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch

# Run as a script: its sibling module is imported from the script's own folder.
sys.path.insert(0, str(Path(__file__).resolve().parent))

import speed_contenders  # noqa: E402

from harness.cache.layout import default_cache_dir
from harness.claims.cards import load_registry
from harness.evaluation.context import Settings
from harness.evaluation.opening import open_split, sample

CLASSIFICATION = "clinc-accuracy"  # its model is the DistilBERT-base with 151 labels; its split, 3,100 queries
QUESTION_ANSWERING = "dynamic-tinybert-squad-f1"
# Questions of the SQuAD stand-in timed by default: a third of its 240 (each about two 384-token
# windows), so that the whole run stays under ten minutes on 2 cores.
QA_SAMPLE = 80
# Queries of the sharded comparison: each run is a fresh process that loads the model, so fewer rows.
SHARDED_SAMPLE = 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="a seeded sample of N queries (default: all)")
    parser.add_argument("--qa-limit", type=int, default=QA_SAMPLE, help=f"questions timed (default {QA_SAMPLE})")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the interleaved timing (default 2)")
    parser.add_argument("--json", type=Path, default=None, help="write the figures as JSON")
    parser.add_argument("--cache-dir", type=Path, default=None, help="default: $HARNESS_CACHE or ~/.cache/harness")
    args = parser.parse_args(argv)

    cache_dir = (args.cache_dir or default_cache_dir()).resolve()
    settings = Settings.for_hub("replica", cache_dir=cache_dir, size="true", expectations=None)
    tasks = [
        speed_contenders.classification(*_rows(CLASSIFICATION, args.limit, settings), settings),
        speed_contenders.question_answering(*_rows(QUESTION_ANSWERING, args.qa_limit, settings), settings),
    ]
    for task in tasks:
        print(f"{task.name}: {task.examples} examples, {len(task.contenders)} contenders", flush=True)
    predictions, seconds = _interleaved(tasks, rounds=args.rounds)
    figures = _figures(tasks, predictions, seconds, peak=speed_contenders.matmul_peak())
    limit = min(args.limit or SHARDED_SAMPLE, SHARDED_SAMPLE)
    figures["sharded"] = _sharded(settings.location.cache_dir.parent, cache_dir, limit=limit, rounds=args.rounds)
    _print(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


def _rows(claim_id: str, limit: int | None, settings: Settings):
    claim = load_registry().by_id(claim_id)
    _, split = open_split(claim, settings)
    return claim, split.take(sample(claim, split, limit=limit, seed=0))


def _interleaved(tasks, *, rounds: int) -> tuple[dict, dict]:
    """Every contender of every task once per round, the order reversed every other round."""
    calls: list[tuple[str, str, Callable[[], list[str]]]] = [
        (task.name, name, call) for task in tasks for name, call in task.contenders.items()
    ]
    predictions: dict[tuple[str, str], list[str]] = {}
    seconds: dict[tuple[str, str], list[float]] = {(task, name): [] for task, name, _ in calls}
    for round_number in range(rounds):
        for task, name, call in calls if round_number % 2 == 0 else calls[::-1]:
            start = time.perf_counter()
            predictions[task, name] = call()
            seconds[task, name].append(time.perf_counter() - start)
            print(f"  round {round_number + 1}: {task} / {name} {seconds[task, name][-1]:.1f} s", flush=True)
    return predictions, seconds


def _sharded(root: Path, cache_dir: Path, *, limit: int, rounds: int) -> dict:
    """examples/s of `harness eval` (evaluation phase) as 1 process x all cores and as 1 process per core."""
    claim = load_registry().by_id(CLASSIFICATION)
    ref = claim.dataset
    cores = os.cpu_count() or 1
    evaluation = ["-m", "harness", "eval", "--hub", str(root), "--cache-dir", str(cache_dir), "--model",
                  claim.model.repo, "--dataset", ref.repo, "--config", ref.config, "--split", ref.split, "--task",
                  claim.task, "--backend", "torch", "--limit", str(limit)]  # fmt: skip
    setups = {
        f"1 process x {cores} threads": [sys.executable, *evaluation, "--threads", str(cores)],
        f"{cores} processes x 1 thread": [sys.executable, "-m", "torch.distributed.run", "--standalone",
                                          f"--nproc-per-node={cores}", *evaluation, "--threads", "1"],
    }  # fmt: skip
    rates: dict[str, list[float]] = {name: [] for name in setups}
    with tempfile.TemporaryDirectory() as scratch:
        for round_number in range(rounds):
            order = list(setups.items())
            for name, command in order if round_number % 2 == 0 else order[::-1]:
                out = Path(scratch) / "figures.json"
                done = subprocess.run([*command, "--json", str(out)], capture_output=True, text=True,
                                      env={**os.environ, "OMP_NUM_THREADS": "1"})  # fmt: skip
                if done.returncode != 0:
                    raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}:\n{done.stderr[-4000:]}")
                rates[name].append(json.loads(out.read_text())["examples_per_second"])
                print(f"  round {round_number + 1}: sharded / {name} {rates[name][-1]:.1f} examples/s", flush=True)
    return {"examples": limit, "setups": {name: {"examples_per_second": statistics.median(r), "runs": r}
                                          for name, r in rates.items()}}  # fmt: skip


def _figures(tasks, predictions, seconds, *, peak: float) -> dict:
    figures = {"threads": torch.get_num_threads(), "matmul_peak_gflops": peak / 1e9, "tasks": {}}
    for task in tasks:
        rate = {name: task.examples / statistics.median(seconds[task.name, name]) for name in task.contenders}
        reference = predictions[task.name, task.reference]
        harness_torch = predictions[task.name, "harness torch fp32"]
        entries = {}
        for name in task.contenders:
            entries[name] = {
                "examples_per_second": rate[name], "vs_evaluator": rate[name] / rate["evaluate.evaluator"],
                "same_prediction_as_pipeline": speed_contenders.agreement(predictions[task.name, name], reference),
                "same_as_harness_torch": speed_contenders.agreement(predictions[task.name, name], harness_torch),
                "seconds": seconds[task.name, name],
            }  # fmt: skip
        if task.flops:
            median = statistics.median(seconds[task.name, "harness torch fp32"])
            entries["harness torch fp32"].update(
                gflops_useful=task.flops["useful"] / median / 1e9,
                fraction_of_matmul_peak=task.flops["useful"] / median / peak,
                fraction_of_matmul_peak_padding_included=task.flops["computed"] / median / peak,
            )
        figures["tasks"][task.name] = {"examples": task.examples, "reference": task.reference, "contenders": entries}
        if task.flops:
            figures["tasks"][task.name]["padding_share"] = task.flops["padding_share"]
    return figures


def _print(figures: dict) -> None:
    print(f"\n{figures['threads']} threads, FP32 matmul peak {figures['matmul_peak_gflops']:.1f} GFLOP/s")
    for name, task in figures["tasks"].items():
        print(f"\n{name}: {task['examples']} examples; agreement with {task['reference']!r}")
        if "padding_share" in task:
            print(f"padding is {task['padding_share']:.1%} of the tokens the harness's batches compute")
        print(f"{'contender':<22}{'examples/s':>12}{'vs evaluator':>14}{'same as pipeline':>18}"
              f"{'same as harness torch':>23}{'of peak':>9}")  # fmt: skip
        for contender, entry in task["contenders"].items():
            peak = f"{entry['fraction_of_matmul_peak']:.0%}" if "fraction_of_matmul_peak" in entry else ""
            print(f"{contender:<22}{entry['examples_per_second']:>12.1f}{entry['vs_evaluator']:>13.2f}x"
                  f"{entry['same_prediction_as_pipeline']:>18.2%}{entry['same_as_harness_torch']:>23.2%}"
                  f"{peak:>9}")  # fmt: skip
    print("of peak: useful FLOP/s (every row at its own length; padding not counted) over the matmul peak")
    sharded = figures.get("sharded")
    if sharded:
        print(f"\nsharded harness eval, torch FP32, {sharded['examples']} queries (evaluation phase):")
        for name, entry in sharded["setups"].items():
            print(f"  {name:<26}{entry['examples_per_second']:>10.1f} examples/s")


if __name__ == "__main__":
    sys.exit(main())
