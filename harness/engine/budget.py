"""How many tokens a batch may hold on the device a model runs on: measured there, not guessed.

On the CPU the engine's MAX_TOKENS holds (measured on this project's 2-core hosts: larger batches
gain nothing once the matrix units are busy, see batching.py). A GPU is fed much larger batches
before its throughput stops growing, by how much depends on the GPU and the model, so on a CUDA
device the budget is measured once per loaded model: forward passes of growing batches (doubling
from MAX_TOKENS), timed after a warm-up, until the tokens per second stop growing by GAIN, or the
device runs out of memory. The budget is the last size that still paid.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from harness.engine.batching import MAX_ROWS, MAX_TOKENS

GAIN = 1.05  # a larger batch must serve at least 5% more tokens per second to be worth its memory
LARGEST = 32 * MAX_TOKENS  # 262,144 tokens: beyond any encoder batch that pays on today's GPUs
ROW_LENGTH = 128  # the rows probed: the classification cards' sequence length
TIMED_CALLS = 2  # the faster of two timed calls after the warm-up, against one-off stalls


@dataclass(frozen=True)
class Budget:
    tokens: int
    rates: dict[int, float] = field(default_factory=dict)  # tokens per batch -> tokens per second
    stopped: str = ""  # why the probe stopped growing the batch

    @property
    def rows(self) -> int:
        """Rows a batch may hold: MAX_ROWS scaled as the tokens are, so short rows fill a larger batch too."""
        return max(MAX_ROWS, MAX_ROWS * self.tokens // MAX_TOKENS)

    def describe(self) -> str:
        measured = ", ".join(f"{tokens}: {rate:,.0f}" for tokens, rate in sorted(self.rates.items()))
        return (f"batches of up to {self.tokens} tokens, measured on the device (tokens/s by batch: {measured}; "
                f"{self.stopped})")  # fmt: skip


def measure(forward: Callable[[int, int], object], *, clock: Callable[[], float] = time.perf_counter,
            is_out_of_memory: Callable[[BaseException], bool] = lambda exc: False) -> Budget:  # fmt: skip
    """Grow the batch from MAX_TOKENS while it pays; ``forward(rows, length)`` runs one batch of that shape."""
    rates: dict[int, float] = {}
    tokens, chosen, stopped = MAX_TOKENS, MAX_TOKENS, f"stopped at the largest size probed, {LARGEST}"
    while tokens <= LARGEST:
        rows = tokens // ROW_LENGTH
        try:
            forward(rows, ROW_LENGTH)  # warm-up: kernels chosen, memory allocated
            seconds = min(_timed(forward, rows, clock) for _ in range(TIMED_CALLS))
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
            stopped = f"{tokens} tokens ran out of device memory"
            break
        rates[tokens] = tokens / max(seconds, 1e-9)
        if tokens > MAX_TOKENS and rates[tokens] < GAIN * rates[chosen]:
            stopped = f"{tokens} tokens gained less than {GAIN - 1:.0%} over {chosen}"
            break
        chosen, tokens = tokens, tokens * 2
    return Budget(tokens=chosen, rates=rates, stopped=stopped)


def _timed(forward: Callable[[int, int], object], rows: int, clock: Callable[[], float]) -> float:
    start = clock()
    forward(rows, ROW_LENGTH)
    return clock() - start


def fit_to_device(predictor, device: str) -> None:
    """On a CUDA device, measure the predictor's token budget and keep it on the predictor (the engine
    reads ``token_budget``), naming it in its description; on the CPU, leave MAX_TOKENS."""
    if not device.startswith("cuda"):
        return

    def forward(rows: int, length: int) -> object:
        ids = (np.arange(rows * length, dtype=np.int64) % 100 + 1000).reshape(rows, length)
        inputs = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        return predictor.logits({name: inputs[name] for name in predictor.input_names})

    budget = measure(forward, is_out_of_memory=_out_of_memory)
    predictor.token_budget = budget
    predictor.description = f"{predictor.description}, {budget.describe()}"


def _out_of_memory(exc: BaseException) -> bool:
    """torch's OutOfMemoryError, or ONNX Runtime's failed allocation (a plain RuntimeException)."""
    text = f"{type(exc).__name__}: {exc}".lower()
    if "outofmemory" in text or "out of memory" in text or "failed to allocate" in text:
        try:
            import torch

            torch.cuda.empty_cache()  # give back what the failed batch took before the real work
        except ImportError:
            pass
        return True
    return False
