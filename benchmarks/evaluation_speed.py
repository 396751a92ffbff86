"""How fast the harness evaluates, against the common ways of measuring, in one run on one machine.

    python benchmarks/evaluation_speed.py [--limit N] [--rounds R] [--json FILE]

On the true-size CLINC stand-in (a DistilBERT-base with 151 labels, random weights) and its 3,100
short queries, it times, taking turns round by round so that drift in the machine's speed falls on
every contender alike:

- ``evaluate.evaluator("text-classification")`` with the transformers pipeline;
- a one-example-at-a-time loop over the same pipeline (the book's PerformanceBenchmark);
- the harness on torch FP32, on ONNX Runtime FP32 (an export) and INT8 (that export, dynamically
  quantized).

It prints examples/s and each one's ratio to the evaluator, checks that the FP32 contenders predict
exactly what the pipeline predicts (INT8: how often), and measures the machine's FP32 matmul peak in
the same run to say what fraction of it the harness's torch FP32 forward passes achieve.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from harness.loading import Settings, open_model, open_split, resolve_model, sample
from harness.locations import default_cache_dir, resolve_hub
from harness.registry import load_registry
from harness.runner import evaluate

CLAIM = "clinc-accuracy"  # its model is the DistilBERT-base with 151 labels; its split, 3,100 queries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="a seeded sample of N queries (default: all)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the interleaved timing (default 2)")
    parser.add_argument("--json", type=Path, default=None, help="write the figures as JSON")
    parser.add_argument("--cache-dir", type=Path, default=None, help="default: $HARNESS_CACHE or ~/.cache/harness")
    args = parser.parse_args(argv)

    cache_dir = (args.cache_dir or default_cache_dir()).resolve()
    resolved = resolve_hub("replica", cache_dir=cache_dir, size="true")
    settings = Settings(location=resolved.location, work_dir=cache_dir / "work", limit=args.limit)
    claim = load_registry().by_id(CLAIM)
    _, split = open_split(claim, settings)
    rows = split.take(sample(claim, split, limit=args.limit, seed=0))
    texts = rows.inputs[claim.dataset.inputs[0]]
    print(f"{len(texts)} queries of {claim.dataset.repo} on the true-size stand-in of {claim.model.repo}", flush=True)

    contenders, predictions, flops = _contenders(claim, rows, settings)
    seconds = _interleaved(contenders, rounds=args.rounds)
    peak = matmul_peak()
    figures = _figures(seconds, len(texts), predictions, flops=flops, peak=peak)
    _print(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


def _contenders(claim, rows, settings: Settings) -> tuple[dict[str, Callable[[], None]], dict, dict]:
    """Each contender as a call that evaluates every row and records its predictions."""
    from transformers import pipeline

    model = resolve_model(claim, settings.location)
    texts = list(rows.inputs[claim.dataset.inputs[0]])
    predictions: dict[str, list[str]] = {}
    flops: dict[str, float] = {}

    predictor, tokenizer, max_length = open_model(claim, "torch", model, settings)
    pipe = pipeline("text-classification", model=predictor.model, tokenizer=tokenizer, device="cpu",
                    truncation=True, max_length=max_length)  # fmt: skip

    def with_evaluator() -> None:
        predictions["evaluate.evaluator"] = evaluator_predictions(pipe, rows, claim)

    def one_at_a_time() -> None:
        predictions["one at a time"] = [pipe(text)[0]["label"] for text in texts]

    contenders = {"evaluate.evaluator": with_evaluator, "one at a time": one_at_a_time}
    for name, backend in (("harness torch fp32", "torch"), ("harness onnx fp32", "onnx"),
                          ("harness onnx int8", "onnx-int8")):  # fmt: skip
        contenders[name] = _harness(name, claim, backend, model, settings, rows, predictions)
    flops["harness torch fp32"], flops["padding share"] = forward_flops(claim, rows, model, settings)
    return contenders, predictions, flops


def _harness(name, claim, backend, model, settings, rows, predictions) -> Callable[[], None]:
    from harness.adhoc import open_backend

    predictor, tokenizer, max_length = open_backend(replace(claim, file=None), backend, model, settings)

    def run() -> None:
        predictions[name] = evaluate(claim, rows, tokenizer, predictor, max_length).predictions

    return run


def evaluator_predictions(pipe, rows, claim) -> list[str]:
    """``evaluate.evaluator`` on the pipeline; the metric it is given records the predictions.

    The metric is defined here because ``evaluate.load("accuracy")`` fetches a script from the Hub.
    """
    import datasets
    import evaluate

    names = rows.label_names
    recorded: list[int] = []

    class Accuracy(evaluate.Metric):
        def _info(self):
            features = datasets.Features({name: datasets.Value("int64") for name in ("predictions", "references")})
            return evaluate.MetricInfo(description="accuracy", citation="", features=features)

        def _compute(self, predictions, references):
            recorded.extend(predictions)
            return {"accuracy": float(np.mean(np.asarray(predictions) == np.asarray(references)))}

    column = claim.dataset.inputs[0]
    data = datasets.Dataset.from_dict({column: rows.inputs[column], "label": rows.labels})
    mapping = {name: index for index, name in enumerate(names)}
    evaluate.evaluator("text-classification").compute(
        model_or_pipeline=pipe, data=data, metric=Accuracy(), input_column=column, label_column="label",
        label_mapping=mapping,
    )  # fmt: skip
    return [names[i] for i in recorded]


def forward_flops(claim, rows, model, settings: Settings) -> tuple[float, float]:
    """Floating-point operations of the harness's torch forward passes over ``rows`` (counted once,
    padding included: what the machine computed), and the share of those batches' tokens that are
    padding (work done for nothing)."""
    from torch.utils.flop_counter import FlopCounterMode

    from harness import engine
    from harness.tasks import classification

    predictor, tokenizer, max_length = open_model(claim, "torch", model, settings)
    with FlopCounterMode(display=False) as counter:
        evaluate(claim, rows, tokenizer, predictor, max_length)
    lengths = [len(ids) for ids in classification.encode(tokenizer, rows, inputs=claim.dataset.inputs,
                                                         max_length=max_length).input_ids]  # fmt: skip
    groups = engine.batches(lengths, max_tokens=engine.MAX_TOKENS, max_rows=engine.MAX_ROWS)
    computed = sum(len(group) * max(lengths[i] for i in group) for group in groups)
    return float(counter.get_total_flops()), 1 - sum(lengths) / computed


def matmul_peak(size: int = 2048, repeats: int = 10) -> float:
    """The machine's FP32 matrix-multiply rate, in FLOP/s: the best of ``repeats`` products."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.matmul(a, b)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best


def _interleaved(contenders: dict[str, Callable[[], None]], *, rounds: int) -> dict[str, list[float]]:
    names = list(contenders)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(rounds):
        order = names if round_number % 2 == 0 else names[::-1]
        for name in order:
            start = time.perf_counter()
            contenders[name]()
            seconds[name].append(time.perf_counter() - start)
            print(f"  round {round_number + 1}: {name} {seconds[name][-1]:.1f} s", flush=True)
    return seconds


def _figures(seconds, n: int, predictions, *, flops, peak) -> dict:
    rate = {name: n / statistics.median(values) for name, values in seconds.items()}
    reference = predictions["one at a time"]
    figures = {"examples": n, "threads": torch.get_num_threads(), "matmul_peak_gflops": peak / 1e9,
               "padding_share": flops["padding share"], "contenders": {}}  # fmt: skip
    for name in seconds:
        same = sum(a == b for a, b in zip(predictions[name], reference, strict=True))
        entry = {"examples_per_second": rate[name], "vs_evaluator": rate[name] / rate["evaluate.evaluator"],
                 "same_prediction_as_pipeline": same / n, "seconds": seconds[name]}  # fmt: skip
        if name in flops:
            achieved = flops[name] / statistics.median(seconds[name])
            entry.update(gflops=achieved / 1e9, fraction_of_matmul_peak=achieved / peak)
        figures["contenders"][name] = entry
    return figures


def _print(figures: dict) -> None:
    print(f"\n{figures['examples']} examples, {figures['threads']} threads, "
          f"FP32 matmul peak {figures['matmul_peak_gflops']:.1f} GFLOP/s; padding is "
          f"{figures['padding_share']:.1%} of the tokens the harness's batches compute")  # fmt: skip
    print(f"{'contender':<22}{'examples/s':>12}{'vs evaluator':>14}{'same as pipeline':>18}{'of peak':>9}")
    for name, entry in figures["contenders"].items():
        peak = f"{entry['fraction_of_matmul_peak']:.0%}" if "fraction_of_matmul_peak" in entry else ""
        print(f"{name:<22}{entry['examples_per_second']:>12.1f}{entry['vs_evaluator']:>13.2f}x"
              f"{entry['same_prediction_as_pipeline']:>18.2%}{peak:>9}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
