"""Predictions do not depend on letter case (uncased models), on the other inputs of a batch, or on
how far the batch is padded."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from harness.contracts import rules as contracts
from harness.contracts import strategies

pytestmark = pytest.mark.contracts


@given(data=st.data())
def test_upper_case_gives_the_same_prediction(harness_subject, data):
    if not harness_subject.claim.model.lowercase:
        pytest.skip("the card does not say this model is uncased")
    # Several rows per example, asked as one batch: more inputs for the same number of model calls.
    rows = data.draw(st.lists(strategies.rows(harness_subject), min_size=1, max_size=8), label="rows")
    columns = [list(column) for column in zip(*rows, strict=True)]
    lower = harness_subject.respond(*columns)
    upper = harness_subject.respond(*([text.upper() for text in column] for column in columns))
    for row, a, b in zip(rows, lower, upper, strict=True):
        if harness_subject.classifies:
            assert a == b, f"{row} and its upper-case version are classified differently"
        else:
            assert a.lower() == b.lower(), f"{row}: answered {a!r}, and {b!r} in upper case"


@given(data=st.data())
def test_a_cased_model_sees_letter_case(harness_subject, data):
    if harness_subject.claim.model.lowercase is not False:
        pytest.skip("the card does not say this model is cased")
    (text,) = data.draw(strategies.rows(harness_subject), label="row")
    assume(any(c.isalpha() for c in text))
    ids = harness_subject.tokenizer([text.lower(), text.upper()])["input_ids"]
    assert ids[0] != ids[1], f"{text!r}: the tokenizer reads lower and upper case alike, yet the card says cased"


@given(data=st.data())
def test_a_prediction_does_not_depend_on_its_batch_or_padding(harness_subject, data):
    rows = data.draw(st.lists(strategies.rows(harness_subject), min_size=31, max_size=31), label="batch")
    row = data.draw(strategies.rows(harness_subject), label="row")
    if harness_subject.claim.task == "token-classification":
        alone = harness_subject.tags([row[0]])
        together = harness_subject.tags([row[0], *(r[0] for r in rows)], as_one_batch=True)[:1]
        assert alone == together, f"{row}: tagged {alone} alone but {together} among 31 other sentences"
        return
    if not harness_subject.classifies:
        alone = harness_subject.answers(*([text] for text in row))
        together = harness_subject.answers(*map(list, zip(row, *rows, strict=True)), as_one_batch=True)[:1]
        assert alone == together, f"{row}: answered {alone} alone but {together} among 31 other questions"
        return
    # The longest row of the batch sets the padding: add one that reaches max_seq_length.
    long = tuple(" ".join(["word"] * harness_subject.max_length) for _ in row)
    batch = [row, long, *rows[1:]]
    alone = harness_subject.logits(*([text] for text in row))[0]
    together = harness_subject.logits(*map(list, zip(*batch, strict=True)), as_one_batch=True)[0]
    onnx_file = harness_subject.model.path / harness_subject.claim.file if harness_subject.claim.file else None
    kind = contracts.precision(harness_subject.backend, onnx_file if harness_subject.backend == "onnx" else None)
    tolerance = contracts.BATCH_TOLERANCE[kind]
    difference = float(np.abs(alone - together).max())
    assert difference <= tolerance, (
        f"{row}: logits alone {alone} and in a padded batch of 32 {together} differ by {difference:.3g}, "
        f"more than the {tolerance:g} allowed for {kind} on {harness_subject.backend}"
    )
