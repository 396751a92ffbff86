"""Entity scores equal the seqeval package's, in its default and strict IOB2 modes, per corpus and per type."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from seqeval import metrics as seqeval
from seqeval.scheme import IOB2

from harness.measures import entities

# Hand-written cases where entity readers go wrong: (gold sentences, predicted sentences).
EDGE_CASES = {
    "entity at the sentence's end": ([["O", "B-PER", "I-PER"]], [["O", "B-PER", "I-PER"]]),
    "I- without B- (counts in the default mode, not in strict)": ([["O", "B-LOC", "I-LOC"]], [["O", "I-LOC", "I-LOC"]]),
    "adjacent entities of one type": ([["B-PER", "B-PER", "I-PER"]], [["B-PER", "I-PER", "I-PER"]]),
    "type changes inside a span": ([["B-ORG", "I-ORG"]], [["B-ORG", "I-LOC"]]),
    "empty sentences and O-only ones": ([[], ["O", "O"], ["B-MISC"]], [[], ["O", "O"], ["B-MISC"]]),
    "nothing predicted": ([["B-PER", "O"]], [["O", "O"]]),
    "nothing gold, something predicted": ([["O", "O"]], [["B-LOC", "O"]]),
    "entity crossing sentences is two": ([["B-PER"], ["I-PER"]], [["B-PER"], ["I-PER"]]),
    "I- after I- of another type": ([["I-PER", "I-LOC", "O"]], [["B-PER", "B-LOC", "O"]]),
}

SCORES = {"precision": seqeval.precision_score, "recall": seqeval.recall_score, "f1": seqeval.f1_score}


def reference(metric, gold, predicted):
    if metric == "token_accuracy":
        return seqeval.accuracy_score(gold, predicted)
    score, _, mode = metric.removeprefix("entity_").partition("_")
    strict = {"mode": "strict", "scheme": IOB2} if mode else {}
    return SCORES[score](gold, predicted, zero_division=0, **strict)


def assert_same_as_seqeval(gold, predicted):
    rows = entities.records(gold, predicted)
    for metric in sorted(entities.METRICS):
        if metric == "token_accuracy" and not any(gold):
            with pytest.raises(ValueError, match="at least one tag"):
                entities.value(metric, rows)
            continue
        assert entities.value(metric, rows) == pytest.approx(reference(metric, gold, predicted), abs=1e-12), metric
    for strict in (False, True):
        mode = {"mode": "strict", "scheme": IOB2} if strict else {}
        report = seqeval.classification_report(gold, predicted, output_dict=True, zero_division=0, **mode)
        mine = {t.kind: t for t in entities.by_type(gold, predicted, strict=strict)}
        theirs = {k: v for k, v in report.items() if not k.endswith(" avg")}
        assert {k for k, v in theirs.items() if v["support"] or k in mine} == set(mine)
        for kind, score in mine.items():
            expected = theirs[kind]
            assert (score.precision, score.recall, score.f1, score.support) == pytest.approx(
                (expected["precision"], expected["recall"], expected["f1-score"], expected["support"])
            ), kind


@pytest.mark.parametrize("case", list(EDGE_CASES))
def test_hand_written_edge_cases_equal_seqeval(case):
    assert_same_as_seqeval(*EDGE_CASES[case])


def test_the_modes_differ_where_they_should():
    gold, predicted = EDGE_CASES["I- without B- (counts in the default mode, not in strict)"]
    rows = entities.records(gold, predicted)
    assert entities.value("entity_f1", rows) == 1.0
    assert entities.value("entity_f1_strict", rows) == 0.0


def test_token_accuracy_is_not_entity_f1():
    """Most tags are O: a model that misses every entity still gets most tags right."""
    gold = [["O"] * 9 + ["B-PER"], ["O"] * 8 + ["B-LOC", "I-LOC"]]
    predicted = [["O"] * 10, ["O"] * 9 + ["I-LOC"]]
    rows = entities.records(gold, predicted)
    assert entities.value("token_accuracy", rows) == pytest.approx(seqeval.accuracy_score(gold, predicted)) == 0.9
    assert entities.value("entity_f1", rows) == pytest.approx(seqeval.f1_score(gold, predicted)) == 0.0


TAGS = st.sampled_from(["O", "O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-MISC", "I-MISC"])


@st.composite
def corpora(draw):
    lengths = draw(st.lists(st.integers(0, 12), min_size=1, max_size=8))
    gold = [draw(st.lists(TAGS, min_size=n, max_size=n)) for n in lengths]
    predicted = [draw(st.lists(TAGS, min_size=n, max_size=n)) for n in lengths]
    return gold, predicted


@settings(max_examples=300, deadline=None)
@given(corpus=corpora())
def test_generated_sequences_equal_seqeval(corpus):
    assert_same_as_seqeval(*corpus)


def test_records_sum_to_the_corpus_so_a_sample_resamples_sentences():
    gold, predicted = EDGE_CASES["adjacent entities of one type"]
    rows = entities.records(gold * 3, predicted * 3)
    assert rows.shape == (3, len(entities.COLUMNS))
    assert entities.value("entity_f1", rows[[0, 0, 1]]) == entities.value("entity_f1", rows)
    assert np.array_equal(entities.exact(rows), [0.0, 0.0, 0.0])


def test_unequal_lengths_are_refused():
    with pytest.raises(ValueError, match="2 predicted tags for 3 words"):
        entities.record(["O", "O", "O"], ["O", "O"])
