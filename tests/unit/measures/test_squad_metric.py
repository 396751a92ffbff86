"""SQuAD v1.1 EM/F1: the official semantics, checked against transformers' squad_metrics."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers.data.metrics import squad_metrics

from harness.measures.metrics import normalize_answer, squad, squad_exact, squad_f1


def reference(prediction: str, golds: list[str]) -> tuple[float, float]:
    """squad_metrics' per-question scores (max over golds), with v1.1's rule where the two differ."""
    exact = max(squad_metrics.compute_exact(gold, prediction) for gold in golds)
    f1 = max(
        # v1.1 (official script): no shared token means F1 0, also when both sides normalize to
        # nothing; squad_metrics follows v2 there and says 1. That is the only difference.
        0.0
        if not squad_metrics.get_tokens(gold) and not squad_metrics.get_tokens(prediction)
        else squad_metrics.compute_f1(gold, prediction)
        for gold in golds
    )
    return float(exact), float(f1)


EDGE_CASES = [
    ("Denver Broncos", ["Denver Broncos", "The Denver Broncos"]),
    ("the Broncos", ["Denver Broncos"]),
    ("!!!", ["..."]),  # punctuation only: both normalize to nothing
    ("the", ["an"]),  # articles only
    ("", ["Denver"]),  # empty prediction
    ("", [""]),
    ("Zürich, Schweiz", ["zürich schweiz"]),  # unicode letters keep their case folding
    ("東京", ["東京"]),
    ("naïve café", ["Naïve Café!"]),
    ("1,000 metres", ["1000 metres"]),
    ("a b c", ["c b a"]),  # order does not matter to F1
    ("the the cat", ["cat the"]),
    ("Broncos Broncos", ["Broncos"]),  # repeated tokens count once per occurrence
    ("New York", ["York", "New York City", "NYC"]),  # several gold answers: the best counts
    ("  spaced \t out\n", ["spaced out"]),
]


@pytest.mark.parametrize(("prediction", "golds"), EDGE_CASES)
def test_hand_written_cases_match_the_reference(prediction, golds):
    exact, f1 = reference(prediction, golds)
    assert squad_exact(prediction, golds) == pytest.approx(exact, abs=1e-9)
    assert squad_f1(prediction, golds) == pytest.approx(f1, abs=1e-9)


def test_v1_1_scores_two_empty_answers_f1_zero_but_exact():
    assert normalize_answer("The!") == ""
    assert squad_exact("an", ["The!"]) == 1.0
    assert squad_f1("an", ["The!"]) == 0.0
    assert squad_metrics.compute_f1("The!", "an") == 1  # the v2 rule this harness does not follow


TEXT = st.text(alphabet=st.sampled_from(list("abc the an a.,!?'-Zé東 \t")), max_size=25)


@settings(max_examples=400, deadline=None)
@given(prediction=TEXT, golds=st.lists(TEXT, min_size=1, max_size=4))
def test_generated_cases_match_the_reference(prediction, golds):
    exact, f1 = reference(prediction, golds)
    assert squad_exact(prediction, golds) == pytest.approx(exact, abs=1e-9)
    assert squad_f1(prediction, golds) == pytest.approx(f1, abs=1e-9)


def test_totals_are_percent_and_unanswered_questions_score_zero():
    references = {"q1": ["Denver Broncos"], "q2": ["Carolina Panthers"], "q3": ["Santa Clara"]}
    result = squad({"q1": "Denver Broncos", "q2": "Panthers"}, references)
    assert result["exact_match"] == pytest.approx(100 / 3)
    assert result["f1"] == pytest.approx(100 * (1 + 2 / 3) / 3)


def test_scoring_nothing_is_an_error():
    with pytest.raises(ValueError, match="no questions"):
        squad({}, {})
