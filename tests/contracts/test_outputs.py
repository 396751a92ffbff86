"""Outputs are well-formed and repeatable, for every model on every backend its claims name."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.contracts import rules as contracts
from harness.contracts import strategies

pytestmark = pytest.mark.contracts


@given(data=st.data())
def test_outputs_are_well_formed(harness_subject, data):
    row = data.draw(strategies.rows(harness_subject), label="row")
    if harness_subject.claim.task == "token-classification":
        problems = contracts.tag_problems(row, harness_subject.tags(row), labels=harness_subject.labels)
        assert not problems, "; ".join(problems)
        return
    if not harness_subject.classifies:
        problems = contracts.subject_answer_problems(harness_subject, [row[0]], [row[1]])
        assert not problems, "; ".join(problems)
        return
    logits = harness_subject.logits(*([text] for text in row))
    problems = contracts.logit_problems(logits, rows=1, classes=len(harness_subject.labels))
    assert not problems, "; ".join(problems)
    predicted = harness_subject.label_of(int(logits[0].argmax()))
    card_labels = {str(name).lower() for name in harness_subject.dataset_labels or ()}
    assert str(predicted).lower() in card_labels, f"predicted {predicted!r}, not one of the card's labels {card_labels}"


@given(data=st.data())
def test_the_same_input_twice_gives_bit_identical_outputs(harness_subject, data):
    row = data.draw(strategies.rows(harness_subject), label="row")
    first = arrays(harness_subject.outputs(*([text] for text in row)))
    second = arrays(harness_subject.outputs(*([text] for text in row)))
    for a, b in zip(first, second, strict=True):
        assert np.array_equal(a, b), f"two identical calls differ by up to {np.abs(a - b).max():.3g}"


def arrays(outputs):
    """Every array of a model's outputs (QA gives one array per window)."""
    return [array for output in outputs for array in (output if isinstance(output, list) else [output])]
