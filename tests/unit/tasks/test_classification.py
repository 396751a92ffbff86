"""Labels are aligned by name, never silently by index; scores are computed in the dataset's order."""

from __future__ import annotations

import numpy as np
import pytest

from harness.errors import NotSupported
from harness.measures import metrics
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


def test_corpus_scores_are_read_in_the_datasets_label_space():
    # The model orders its labels POSITIVE, NEGATIVE; the dataset negative, positive: label 1 is positive.
    alignment = align({0: "POSITIVE", 1: "NEGATIVE"}, ["negative", "positive"])
    logits = np.array([[3.0, 0.0], [3.0, 0.0], [0.0, 3.0], [0.0, 3.0]])  # model says P, P, N, N
    table = scores("precision", logits, [1, 0, 0, 0], alignment)
    assert table[:, :2].tolist() == [[1, 1], [1, 0], [0, 0], [0, 0]]
    assert metrics.value_of("precision", table) == 0.5 and metrics.value_of("recall", table) == 1.0
    assert table[0, 2] == pytest.approx(1 / (1 + np.exp(-3.0)))  # the positive label's probability


def test_a_binary_score_on_more_than_two_labels_names_the_macro_claim():
    alignment = align({0: "ENTAILMENT", 1: "NEUTRAL", 2: "CONTRADICTION"}, GLUE_MNLI)
    with pytest.raises(NotSupported, match="f1 is the binary score on label 1, and this dataset has 3 labels; a claim "
                                           "over every label is f1_macro"):  # fmt: skip
        scores("f1", np.zeros((2, 3)), [0, 1], alignment)
    assert scores("f1_macro", np.eye(3), [0, 1, 1], alignment)[:, 2].tolist() == [-1.0, -1.0, -1.0]


def test_generic_names_fall_back_to_index_order_and_say_so():
    alignment = align({0: "LABEL_0", 1: "LABEL_1"}, ["negative", "positive"])
    assert not alignment.by_name
    assert "relied on index order" in alignment.note


@pytest.mark.parametrize("id2label", [{0: 0, 1: 1}, {0: "0", 1: "1"}])
def test_numbers_for_names_fall_back_to_index_order_and_say_so(id2label):
    # Intel's INT8 SST-2 config.json: "id2label": {"0": 0, "1": 1}
    alignment = align(id2label, ["negative", "positive"])
    assert alignment.model_index == (0, 1) and not alignment.by_name
    assert "only by number" in alignment.note and "0 → negative, 1 → positive" in alignment.note


def test_numbers_out_of_their_own_order_are_not_taken_for_an_index():
    with pytest.raises(LabelMismatch, match="no model label of the same name"):
        align({0: 1, 1: 0}, ["negative", "positive"])


def test_the_cards_labels_name_a_config_that_holds_numbers():
    alignment = align({0: 0, 1: 1}, ["negative", "positive"], card_labels=["positive", "negative"])
    assert alignment.model_index == (1, 0) and alignment.by_name
    assert "named by the card (labels:)" in alignment.note


@pytest.mark.parametrize(
    ("card_labels", "fragment"),
    [
        (["negative"], "the card names 1 labels"),
        (["negative", "neutral"], r"have no model label of the same name; model labels \(from the card"),
    ],
)
def test_the_cards_labels_are_checked_against_the_dataset(card_labels, fragment):
    with pytest.raises(LabelMismatch, match=fragment):
        align({0: 0, 1: 1}, ["negative", "positive"], card_labels=card_labels)


def test_the_cards_labels_cannot_contradict_the_configs_names():
    with pytest.raises(LabelMismatch, match="name the same index differently .0: POSITIVE vs negative"):
        align({0: "POSITIVE", 1: "NEGATIVE"}, ["negative", "positive"], card_labels=["negative", "positive"])


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
