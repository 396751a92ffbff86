"""Odd input — nothing, only spaces, 10,000 characters, emoji, other scripts, control characters —
gets an answer or a clear error, never a crash or a hang."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from harness.contracts import rules as contracts
from harness.contracts import strategies

pytestmark = pytest.mark.contracts


@given(text=strategies.odd_texts(), position=st.integers(min_value=0, max_value=1))
@example(text="a" * 10_000, position=0)  # one 10,000-letter word: a single unknown token
@example(text="word " * 2_000, position=0)  # 2,000 words: as many tokens as the model takes, every time
@example(text="", position=1)
def test_odd_input_gets_an_answer(harness_subject, harness_deadline, text, position):
    if harness_subject.claim.task == "token-classification":
        with contracts.deadline(harness_deadline):
            tags = harness_subject.tags([text])
        problems = contracts.tag_problems([text], tags, labels=harness_subject.labels)
    elif harness_subject.classifies:
        row = ["a plain sentence"] * len(harness_subject.claim.dataset.inputs)
        row[position % len(row)] = text
        with contracts.deadline(harness_deadline):
            logits = harness_subject.logits(*([cell] for cell in row))
        problems = contracts.logit_problems(logits, rows=1, classes=len(harness_subject.labels))
    else:
        question, context = ("what is it?", text) if position else (text, "it is a plain context about a river.")
        with contracts.deadline(harness_deadline):
            problems = contracts.subject_answer_problems(harness_subject, [question], [context])
    assert not problems, "; ".join(problems)
