"""Seeded, stratified samples: reproducible, the requested size, each label keeping its share."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.data.splits import stratified_sample


@settings(max_examples=60, deadline=None)
@given(labels=st.lists(st.integers(0, 4), min_size=1, max_size=300), data=st.data())
def test_sample_size_order_and_shares(labels, data):
    limit = data.draw(st.integers(1, len(labels)))
    chosen = stratified_sample(labels, limit=limit, seed=3)
    assert len(chosen) == limit
    assert chosen == sorted(set(chosen))
    assert chosen == stratified_sample(labels, limit=limit, seed=3)
    whole, part = Counter(labels), Counter(labels[i] for i in chosen)
    for label, count in whole.items():
        assert abs(part[label] - count * limit / len(labels)) < 1.0 + 1e-9


def test_different_seeds_pick_different_rows():
    labels = [i % 2 for i in range(1000)]
    assert stratified_sample(labels, limit=100, seed=0) != stratified_sample(labels, limit=100, seed=1)
