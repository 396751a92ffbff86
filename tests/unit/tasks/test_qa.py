"""Extractive QA: windows cover every context, spans are chosen by the run_qa rules."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.claims.model import QASettings
from harness.tasks import qa

SETTINGS = QASettings(doc_stride=16, max_query_length=8, n_best=5, max_answer_length=4)


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    from transformers import BertTokenizerFast

    from harness.replica.text import Text, write_tokenizer

    folder = write_tokenizer(tmp_path_factory.mktemp("tok") / "t", Text(random.Random(0)).words)
    return BertTokenizerFast.from_pretrained(folder)


WORDS = st.sampled_from(["kalo", "mine", "Ruta", "posi", "veda", "x", "Zürich", "42", "a-b", "!", "東京"])


@settings(max_examples=60, deadline=None)
@given(
    context=st.lists(WORDS, min_size=1, max_size=120).map(" ".join),
    question=st.lists(WORDS, min_size=1, max_size=20).map(" ".join),
)
def test_every_character_of_every_context_is_in_a_window(tokenizer, context, question):
    found = qa.features(tokenizer, [question], [context], max_length=48, settings=SETTINGS)
    covered = set()
    for start, end in found.offsets.tolist():
        if start >= 0:
            covered.update(range(start, end))
    assert {i for i, ch in enumerate(context) if not ch.isspace()} <= covered
    assert found.encoded.lengths.max() <= 48
    assert set(found.question_of.tolist()) == {0}


def test_long_contexts_get_overlapping_windows_and_long_questions_are_cut(tokenizer):
    context = " ".join(["kalo mine ruta posi veda"] * 40)
    question = " ".join(["what"] * 30)
    found = qa.features(tokenizer, [question, "what"], [context, "kalo"], max_length=64, settings=SETTINGS)
    windows = [f for f, q in enumerate(found.question_of.tolist()) if q == 0]
    assert len(windows) > 3 and found.question_of.tolist().count(1) == 1
    first, second = ({tuple(s) for s in found.spans(w).tolist() if s[0] >= 0} for w in windows[:2])
    assert len(first & second) == SETTINGS.doc_stride  # stride is the overlap, as in transformers' run_qa
    question_tokens = [t for t in found.encoded.types_of(0).tolist() if t == 0]
    assert len(question_tokens) - 2 == SETTINGS.max_query_length  # [CLS] and [SEP] besides


def make_features(offsets: list[list[tuple[int, int] | None]], question_of: list[int]) -> qa.Features:
    from harness.engine.batching import Encoded

    return qa.Features.from_lists(Encoded.from_lists([[0] * len(o) for o in offsets], pad_id=0), question_of, offsets)


CONTEXT = "Denver  Broncos won the Super Bowl."
# tokens:  [CLS] q [SEP] Denver Broncos won the Super Bowl . [SEP]
OFFSETS = [None, None, None, (0, 6), (8, 15), (16, 19), (20, 23), (24, 29), (30, 34), (34, 35), None]


def logits(**marks: float) -> np.ndarray:
    values = np.zeros(len(OFFSETS))
    for index, value in marks.items():
        values[int(index[1:])] = value
    return values


def test_the_best_span_keeps_the_original_spacing_and_case():
    found = make_features([OFFSETS], [0])
    answers = qa.best_answers(found, [logits(t3=5)], [logits(t4=5)], [CONTEXT], settings=SETTINGS)
    assert answers == ["Denver  Broncos"]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (logits(t1=9, t5=1), logits(t1=9, t5=1), "won"),  # question tokens are never part of an answer
        (logits(t6=9, t3=1), logits(t4=9, t5=1), "Denver  Broncos"),  # the top pair ends before it starts
        (logits(t3=9, t7=1), logits(t9=9, t8=1), "Super Bowl."),  # the top pair is longer than 4 tokens
        (logits(t0=9, t4=1), logits(t10=9, t4=1), "Broncos"),  # [CLS] and the final [SEP] are not context
    ],
)
def test_invalid_spans_are_skipped(start, end, expected):
    found = make_features([OFFSETS], [0])
    assert qa.best_answers(found, [start], [end], [CONTEXT], settings=SETTINGS) == [expected]


def test_the_best_span_across_windows_wins_and_a_question_without_a_valid_span_gets_nothing():
    found = make_features([OFFSETS, OFFSETS, [None, None]], [0, 0, 1])
    starts = [logits(t3=2), logits(t7=4), np.zeros(2)]
    ends = [logits(t4=2), logits(t8=4), np.zeros(2)]
    assert qa.best_answers(found, starts, ends, [CONTEXT, "x"], settings=SETTINGS) == ["Super Bowl", ""]


def test_scores_are_per_question_percentages():
    answers = [{"text": ["Denver Broncos", "Broncos"]}, {"text": ["Santa Clara"]}]
    assert qa.scores("exact_match", ["broncos", "Clara"], answers).tolist() == [100.0, 0.0]
    assert qa.scores("f1", ["broncos", "Clara"], answers).tolist() == pytest.approx([100.0, 100 * 2 / 3])
