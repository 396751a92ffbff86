"""The cheap probes of a failed claim: each says what it tried and what it found."""

from __future__ import annotations

import numpy as np

from harness.checks.diagnosis import label_order

NAMES = ["negative", "positive"]


def test_a_swapped_reading_is_found_and_named():
    gold = [0, 0, 0, 1, 1, 1]
    outputs = [1, 1, 1, 0, 0, 1]  # the model's output 1 means negative: 5 of 6 right when read so
    line = label_order(outputs, gold, NAMES, ["0", "1"], used=[0, 1], target=0.83)
    assert line == (
        "label order: reading the model's labels as 0 → positive, 1 → negative (the run read 0 → negative, "
        "1 → positive) gives accuracy 0.8333 where the run measured 0.1667; the target is 0.8300"
    )


def test_no_better_reading_is_said_as_such():
    line = label_order([0, 1, 1], [0, 1, 0], NAMES, ["NEGATIVE", "POSITIVE"], used=[0, 1], target=0.9)
    assert line.startswith("label order: tried every one-to-one reading of the model's 2 labels")
    assert line.endswith("none scores better than the one used (0.6667)")


def test_many_labels_are_read_by_the_best_assignment():
    rng = np.random.default_rng(0)
    size = 12
    permutation = rng.permutation(size)  # output i means dataset label permutation[i]
    gold = rng.integers(0, size, 500).tolist()
    outputs = [int(np.flatnonzero(permutation == g)[0]) for g in gold]
    line = label_order(outputs, gold, [f"c{i}" for i in range(size)], [str(i) for i in range(size)],
                       used=list(range(size)), target=1.0)  # fmt: skip
    assert "gives accuracy 1.0000" in line
    moved = [i for i in range(size) if permutation[i] != i]
    assert all(f"{i} → c{permutation[i]}" in line for i in moved)
