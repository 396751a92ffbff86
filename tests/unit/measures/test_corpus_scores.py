"""A classifier's precision, recall, F1 and ROC AUC over the whole set, equal to scikit-learn's on edge cases
and on generated labels, with intervals that resample rows."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn import metrics as reference

from harness.measures import intervals, metrics


def rows(predicted, actual, probability=None):
    predicted, actual = np.asarray(predicted), np.asarray(actual)
    probability = np.zeros(len(actual)) if probability is None else np.asarray(probability)
    return metrics.records(predicted, actual, probability)


def sklearn_score(metric: str, predicted, actual, probability=None) -> float:
    if metric == "roc_auc":
        return reference.roc_auc_score(actual, probability)
    name, _, average = metric.partition("_")
    function = {"precision": reference.precision_score, "recall": reference.recall_score, "f1": reference.f1_score}[name]
    return function(actual, predicted, average=average or "binary", pos_label=1, zero_division=0)


LABEL_METRICS = ["precision", "recall", "f1", "precision_macro", "recall_macro", "f1_macro"]
EDGES = {
    "all right": ([1, 0, 1, 0], [1, 0, 1, 0]),
    "no positive predicted": ([0, 0, 0, 0], [1, 0, 1, 0]),
    "no positive present": ([1, 0, 0, 0], [0, 0, 0, 0]),
    "all wrong": ([0, 1, 0, 1], [1, 0, 1, 0]),
    "one example": ([1], [1]),
    "three labels": ([0, 1, 2, 2, 1], [0, 2, 2, 1, 1]),
}


@pytest.mark.parametrize(
    ("metric", "case"),
    [(m, c) for m in LABEL_METRICS for c in EDGES if m.endswith("_macro") or c != "three labels"],  # binary: two labels
)
def test_label_scores_equal_scikit_learns_on_edge_cases(metric, case):
    predicted, actual = EDGES[case]
    assert metrics.value_of(metric, rows(predicted, actual)) == pytest.approx(sklearn_score(metric, predicted, actual))


@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=1, max_size=60), st.sampled_from(LABEL_METRICS))
def test_label_scores_equal_scikit_learns_on_generated_labels(pairs, metric):
    predicted, actual = (np.array(side) for side in zip(*pairs, strict=True))
    if not metric.endswith("_macro"):
        predicted, actual = predicted % 2, actual % 2
    assert metrics.value_of(metric, rows(predicted, actual)) == pytest.approx(sklearn_score(metric, predicted, actual))


@given(st.lists(st.tuples(st.booleans(), st.sampled_from([0.1, 0.4, 0.5, 0.9, 0.99])), min_size=2, max_size=60))
def test_roc_auc_equals_scikit_learns_ties_included(pairs):
    actual, probability = (np.array(side) for side in zip(*pairs, strict=True))
    if actual.all() or not actual.any():
        with pytest.raises(ValueError, match="needs examples of both labels"):
            metrics.value_of("roc_auc", rows(actual, actual, probability))
        return
    found = metrics.value_of("roc_auc", rows(actual.astype(int), actual.astype(int), probability))
    assert found == pytest.approx(sklearn_score("roc_auc", None, actual.astype(int), probability))


def test_a_corpus_score_is_not_the_mean_of_its_rows():
    table = rows([1, 1, 1, 0], [1, 0, 0, 0])
    assert metrics.value_of("precision", table) == pytest.approx(1 / 3)
    assert metrics.value_of("accuracy", metrics.correct(table[:, 0], table[:, 1])) == pytest.approx(0.5)


def test_an_interval_of_a_corpus_score_resamples_rows_and_holds_the_score():
    generator = np.random.default_rng(0)
    actual = generator.integers(0, 2, 400)
    predicted = np.where(generator.random(400) < 0.85, actual, 1 - actual)
    table = rows(predicted, actual)
    found = intervals.interval("f1", table, population=872, seed=0)
    value = metrics.value_of("f1", table)
    assert found.low < value < found.high and found.high - found.low < 0.15
    assert found.method == "bootstrap (BCa), finite-split corrected"
    whole = intervals.interval("f1", table, population=400)
    assert whole.low == whole.high == pytest.approx(value)
