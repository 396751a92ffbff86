"""Batching keeps every row, respects the token budget, and returns outputs in input order."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.engine.batching import Encoded, batches, run


@settings(max_examples=80, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 128), min_size=1, max_size=200),
    max_tokens=st.integers(128, 4096),
    max_rows=st.integers(1, 64),
    overhead=st.integers(0, 256),
)
def test_batches_partition_and_fit_the_budget(lengths, max_tokens, max_rows, overhead):
    groups = batches(lengths, max_tokens=max_tokens, max_rows=max_rows, overhead=overhead)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    for group in groups:
        assert len(group) <= max_rows
        assert len(group) == 1 or len(group) * max(lengths[i] for i in group) <= max_tokens


def cost(lengths, groups, overhead):
    return sum(overhead + len(g) * max(lengths[i] for i in g) for g in groups)


def cheapest(lengths, *, max_tokens, max_rows, overhead):
    """Brute force: every way to cut the length-sorted rows into runs."""
    ordered = sorted(lengths, reverse=True)
    best = float("inf")
    for cuts in itertools.product([False, True], repeat=len(ordered) - 1):
        runs, current = [], [ordered[0]]
        for length, cut in zip(ordered[1:], cuts, strict=True):
            if cut:
                runs.append(current)
                current = []
            current.append(length)
        runs.append(current)
        if all(len(r) <= max_rows and (len(r) == 1 or len(r) * r[0] <= max_tokens) for r in runs):
            best = min(best, sum(overhead + len(r) * r[0] for r in runs))
    return best


@settings(max_examples=60, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 40), min_size=1, max_size=9),
    max_tokens=st.integers(40, 200),
    max_rows=st.integers(1, 6),
    overhead=st.integers(0, 80),
)
def test_batches_cost_the_least_work(lengths, max_tokens, max_rows, overhead):
    groups = batches(lengths, max_tokens=max_tokens, max_rows=max_rows, overhead=overhead)
    assert cost(lengths, groups, overhead) == cheapest(
        lengths, max_tokens=max_tokens, max_rows=max_rows, overhead=overhead
    )


def test_a_few_long_rows_do_not_pad_many_short_ones():
    lengths = [12] * 300 + [30] * 3
    groups = batches(lengths, max_tokens=8192, max_rows=128, overhead=64)
    assert groups[0] == [300, 301, 302]  # the long rows alone, then the short ones in as few batches as fit
    assert len(groups) == 4 and cost(lengths, groups, 64) == 4 * 64 + sum(lengths)  # no padding at all


# Not 0: a padding token that is 0 adds nothing to a sum whatever the attention mask says, so a wrong
# or all-ones mask would go unseen.
PAD = 99


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
    result = run(SumPredictor(), Encoded.from_lists(sequences, pad_id=PAD), max_tokens=256)
    assert result.logits[:, 0].tolist() == [float(sum(s)) for s in sequences]


class MaskIgnoringPredictor(SumPredictor):
    def logits(self, batch):
        total = batch["input_ids"].sum(axis=1).astype(np.float64)
        return np.stack([total, -total], axis=1)


def test_the_sum_oracle_sees_a_mask_that_lets_padding_through():
    sequences = [[1, 2, 3], [4]]  # one batch: the short row is padded with PAD
    result = run(MaskIgnoringPredictor(), Encoded.from_lists(sequences, pad_id=PAD), as_one_batch=True)
    assert result.logits[:, 0].tolist() == [6.0, 4.0 + 2 * PAD]  # what the order test would reject


class TypeSumPredictor:
    id2label = {0: "A"}
    input_names = ("input_ids", "attention_mask", "token_type_ids")
    description = "type sum"

    def logits(self, batch):
        masked = (batch["token_type_ids"] * 7 + batch["input_ids"]) * batch["attention_mask"]
        return masked.sum(axis=1, keepdims=True).astype(np.float64)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(1, 50), st.integers(0, 1)), min_size=1, max_size=40), min_size=1,
                max_size=60))  # fmt: skip
def test_token_types_travel_with_their_tokens(rows):
    ids = [[token for token, _ in row] for row in rows]
    types = [[kind for _, kind in row] for row in rows]
    result = run(TypeSumPredictor(), Encoded.from_lists(ids, types, pad_id=PAD), max_tokens=256)
    assert result.logits[:, 0].tolist() == [float(sum(t + 7 * k for t, k in row)) for row in rows]


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
    features = Encoded.from_lists(sequences, pad_id=PAD)
    starts, ends = run(TokenPredictor(), features, max_tokens=256, per_token=True).outputs
    assert [row.tolist() for row in starts] == [[float(t) for t in s] for s in sequences]
    assert [row.tolist() for row in ends] == [[-float(t) for t in s] for s in sequences]


def test_each_finished_batch_is_reported_once():
    sequences = [[1] * n for n in range(1, 101)]
    done: list[int] = []
    run(SumPredictor(), Encoded.from_lists(sequences, pad_id=0), max_tokens=512,
        on_batch=done.append)  # fmt: skip
    assert sum(done) == 100 and len(done) > 1


class WidthPredictor:
    """Each row's output is the width of the batch it was padded in."""

    id2label = {}
    input_names = ("input_ids", "attention_mask")
    description = "widths"

    def logits(self, batch):
        rows, width = batch["input_ids"].shape
        return np.full((rows, 1), float(width))


def test_one_batch_pads_every_row_to_the_longest_when_asked():
    features = Encoded.from_lists([[1] * 3, [1] * 128, *([[1] * 4] * 30)], pad_id=0)
    assert run(WidthPredictor(), features).logits[0, 0] < 128  # the engine keeps short rows apart
    assert run(WidthPredictor(), features, as_one_batch=True).logits[:, 0].tolist() == [128.0] * 32
