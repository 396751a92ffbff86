"""A GPU's batch budget is measured on it: the batch grows while it pays and stops at the device's memory;
the CPU keeps the engine's own bounds. The device is simulated here by a clock that the passes advance."""

from __future__ import annotations

import numpy as np
import pytest

from harness.engine import batching, budget
from harness.engine.batching import MAX_ROWS, MAX_TOKENS, Encoded


class SimulatedDevice:
    """Seconds per forward pass: a fixed launch cost plus tokens over a rate that saturates at ``knee``."""

    def __init__(self, *, knee: int, memory: int | None = None):
        self.knee, self.memory, self.now, self.shapes = knee, memory, 0.0, []

    def forward(self, rows: int, length: int) -> None:
        tokens = rows * length
        if self.memory is not None and tokens > self.memory:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        self.shapes.append((rows, length))
        self.now += 0.002 + tokens / (1e6 * min(tokens, self.knee) / self.knee)

    def clock(self) -> float:
        return self.now


def test_the_batch_grows_while_the_throughput_does_and_stops_where_it_flattens():
    device = SimulatedDevice(knee=4 * MAX_TOKENS)
    found = budget.measure(device.forward, clock=device.clock)
    assert found.tokens == 4 * MAX_TOKENS  # 8x gained under 5% over 4x: not worth its memory
    assert sorted(found.rates) == [MAX_TOKENS, 2 * MAX_TOKENS, 4 * MAX_TOKENS, 8 * MAX_TOKENS]
    assert "gained less than 5% over 32768" in found.stopped
    assert found.rows == 4 * MAX_ROWS
    assert all(length == budget.ROW_LENGTH for _, length in device.shapes)


def test_the_device_running_out_of_memory_ends_the_probe_at_the_last_size_that_fit():
    device = SimulatedDevice(knee=budget.LARGEST, memory=3 * MAX_TOKENS)
    found = budget.measure(device.forward, clock=device.clock, is_out_of_memory=budget._out_of_memory)
    assert found.tokens == 2 * MAX_TOKENS and found.stopped == f"{4 * MAX_TOKENS} tokens ran out of device memory"


def test_another_error_is_not_taken_for_a_full_device():
    def broken(rows, length):
        raise ValueError("input_ids has the wrong shape")

    with pytest.raises(ValueError, match="wrong shape"):
        budget.measure(broken, is_out_of_memory=budget._out_of_memory)


class Recorder:
    """A predictor that records each batch's shape."""

    input_names = ("input_ids", "attention_mask")
    id2label = {0: "a", 1: "b"}
    description = "recorder"

    def __init__(self):
        self.shapes = []

    def logits(self, batch):
        self.shapes.append(batch["input_ids"].shape)
        return np.zeros((len(batch["input_ids"]), 2), dtype=np.float32)


def test_the_engine_batches_by_the_measured_budget_and_the_cpu_keeps_its_own(monkeypatch):
    features = Encoded.from_lists([[1] * 64] * 1024, None, pad_id=0)
    on_cpu = Recorder()
    budget.fit_to_device(on_cpu, "cpu")
    batching.run(on_cpu, features)
    assert not hasattr(on_cpu, "token_budget") and max(rows for rows, _ in on_cpu.shapes) == MAX_ROWS

    on_gpu = Recorder()

    def measured(forward, **options):
        forward(2, budget.ROW_LENGTH)  # the probe's batches reach the predictor, by its own input names
        return budget.Budget(tokens=4 * MAX_TOKENS, rates={MAX_TOKENS: 1e5, 4 * MAX_TOKENS: 3e5}, stopped="simulated")

    monkeypatch.setattr(budget, "measure", measured)
    budget.fit_to_device(on_gpu, "cuda:0")
    assert on_gpu.shapes == [(2, budget.ROW_LENGTH)] and on_gpu.token_budget.tokens == 4 * MAX_TOKENS
    assert on_gpu.description.startswith("recorder, batches of up to 32768 tokens, measured on the device")
    on_gpu.shapes.clear()
    batching.run(on_gpu, features)
    assert max(rows for rows, _ in on_gpu.shapes) == 4 * MAX_ROWS  # 512 rows of 64 tokens: 32,768 tokens
