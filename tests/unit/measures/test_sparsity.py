"""Sparsity as the Prune-OFA card measures it: zeros per encoder nn.Linear weight, nothing else."""

from __future__ import annotations

import numpy as np
import pytest

from harness.measures.sparsity import is_encoder_linear, zero_fractions


@pytest.mark.parametrize(
    ("name", "shape", "counted"),
    [
        ("bert.encoder.layer.0.attention.self.query.weight", (4, 4), True),
        ("bert.encoder.layer.11.output.dense.weight", (4, 8), True),
        ("bert.encoder.layer.0.attention.self.query.bias", (4,), False),
        ("bert.encoder.layer.0.output.LayerNorm.weight", (4,), False),
        ("bert.embeddings.word_embeddings.weight", (30, 4), False),
        ("cls.predictions.transform.dense.weight", (4, 4), False),
        ("encoder.layer.0.intermediate.dense.weight", (8, 4), True),  # a checkpoint saved without "bert."
    ],
)
def test_only_encoder_linear_weights_count(name, shape, counted):
    assert is_encoder_linear(name, np.zeros(shape)) is counted


def test_zero_fractions_count_exact_zeros_per_weight():
    dense = np.ones((10, 10))
    pruned = np.ones((10, 10))
    pruned.reshape(-1)[:91] = 0.0
    tiny = np.full((10, 10), 1e-12)  # small is not zero
    assert zero_fractions({"a": dense, "b": pruned, "c": tiny}) == {"a": 0.0, "b": 0.91, "c": 0.0}
