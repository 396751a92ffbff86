"""Batching keeps every row, respects the token budget, and returns outputs in input order."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.engine import Encoded, batches, run


@settings(max_examples=80, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 128), min_size=1, max_size=200),
    max_tokens=st.integers(128, 4096),
    max_rows=st.integers(1, 64),
)
def test_batches_partition_and_fit_the_budget(lengths, max_tokens, max_rows):
    groups = batches(lengths, max_tokens=max_tokens, max_rows=max_rows)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    for group in groups:
        assert len(group) <= max_rows
        assert len(group) == 1 or len(group) * max(lengths[i] for i in group) <= max_tokens


class SumPredictor:
    """Logits that depend on the unpadded tokens only, so any reordering or padding leak shows."""

    id2label = {0: "A", 1: "B"}
    input_names = ("input_ids", "attention_mask")
    description = "sum"

    def logits(self, batch):
        total = (batch["input_ids"] * batch["attention_mask"]).sum(axis=1).astype(np.float64)
        return np.stack([total, -total], axis=1)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(1, 50), min_size=1, max_size=40), min_size=1, max_size=60))
def test_run_returns_rows_in_input_order(sequences):
    result = run(SumPredictor(), Encoded(input_ids=sequences, token_type_ids=None, pad_id=0), max_tokens=256)
    assert result.logits[:, 0].tolist() == [float(sum(s)) for s in sequences]


class TokenPredictor:
    """Per-token outputs: each token's own id, so padding or misplaced rows would show."""

    id2label = {}
    input_names = ("input_ids", "attention_mask")
    description = "tokens"

    def logits(self, batch):
        ids = batch["input_ids"].astype(np.float64)
        return ids, -ids


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(1, 50), min_size=1, max_size=40), min_size=1, max_size=60))
def test_per_token_outputs_come_back_unpadded_in_order(sequences):
    features = Encoded(input_ids=sequences, token_type_ids=None, pad_id=0)
    starts, ends = run(TokenPredictor(), features, max_tokens=256, per_token=True).outputs
    assert [row.tolist() for row in starts] == [[float(t) for t in s] for s in sequences]
    assert [row.tolist() for row in ends] == [[-float(t) for t in s] for s in sequences]


def test_each_finished_batch_is_reported_once():
    sequences = [[1] * n for n in range(1, 101)]
    done: list[int] = []
    run(SumPredictor(), Encoded(input_ids=sequences, token_type_ids=None, pad_id=0), max_tokens=512,
        on_batch=done.append)  # fmt: skip
    assert sum(done) == 100 and len(done) > 1
