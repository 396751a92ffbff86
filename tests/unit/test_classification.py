"""Labels are aligned by name, never silently by index; scores are computed in the dataset's order."""

from __future__ import annotations

import numpy as np
import pytest

from harness.tasks.classification import LabelMismatch, align, scores

GLUE_MNLI = ["entailment", "neutral", "contradiction"]


def test_names_align_case_insensitively_whatever_the_model_order():
    alignment = align({0: "CONTRADICTION", 1: "ENTAILMENT", 2: "NEUTRAL"}, GLUE_MNLI)
    assert alignment.by_name
    assert alignment.model_index == (1, 2, 0)
    assert "orders them differently" in alignment.note


def test_scores_use_the_alignment():
    alignment = align({0: "CONTRADICTION", 1: "ENTAILMENT", 2: "NEUTRAL"}, GLUE_MNLI)
    logits = np.array([[0.0, 5.0, 0.0], [9.0, 0.0, 0.0], [0.0, 0.0, 3.0]])  # model says E, C, N
    labels = [0, 2, 1]  # dataset says entailment, contradiction, neutral
    assert scores("accuracy", logits, labels, alignment).tolist() == [1.0, 1.0, 1.0]
    by_index = align({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, GLUE_MNLI)
    assert scores("accuracy", logits, labels, by_index).tolist() == [0.0, 0.0, 0.0]


def test_generic_names_fall_back_to_index_order_and_say_so():
    alignment = align({0: "LABEL_0", 1: "LABEL_1"}, ["negative", "positive"])
    assert not alignment.by_name
    assert "relied on index order" in alignment.note


def test_unnamed_dataset_labels_fall_back_to_index_order_and_say_so():
    alignment = align({0: "NEGATIVE", 1: "POSITIVE"}, None)
    assert not alignment.by_name and "carries no names" in alignment.note


@pytest.mark.parametrize(
    ("id2label", "names", "fragment"),
    [
        ({0: "NEG", 1: "POS"}, ["negative", "positive"], "have no model label of the same name"),
        ({0: "A", 1: "B", 2: "C"}, ["a", "b"], "the model has 3 labels"),
        ({0: "yes", 1: "YES"}, ["yes", "no"], "no model label"),
    ],
)
def test_mismatched_names_are_an_error_naming_both_sides(id2label, names, fragment):
    with pytest.raises(LabelMismatch, match=fragment):
        align(id2label, names)


def test_eval_loss_is_the_mean_negative_log_likelihood():
    alignment = align({0: "NEGATIVE", 1: "POSITIVE"}, ["negative", "positive"])
    logits = np.array([[0.0, np.log(3.0)]])  # p(positive) = 0.75
    assert scores("eval_loss", logits, [1], alignment)[0] == pytest.approx(-np.log(0.75))
