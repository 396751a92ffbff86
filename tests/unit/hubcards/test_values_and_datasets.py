"""Printed figures read in the harness's units with a stated tolerance; dataset names resolved or sent to review."""

from __future__ import annotations

import pytest

from harness.hubcards.datasets import resolve
from harness.hubcards.found import RawDataset
from harness.hubcards.values import OutOfRange, read_value


@pytest.mark.parametrize(
    ("printed", "task", "metric", "value", "read_as"),
    [
        (90.37, "text-classification", "accuracy", 0.9037, "percent, divided by 100"),
        ("90.37%", "text-classification", "accuracy", 0.9037, "percent, divided by 100"),
        ("0.9206", "text-classification", "accuracy", 0.9206, "a fraction, as printed"),
        (88.71, "question-answering", "f1", 88.71, "percent, as printed"),
        (0.8871, "question-answering", "f1", 88.71, "a fraction, multiplied by 100"),
        (0.7872, "text-classification", "eval_loss", 0.7872, "as printed"),
        (2.5, "text-classification", "eval_loss", 2.5, "as printed"),  # a loss above 1 is not a percent
    ],
)
def test_percent_or_fraction_is_decided_per_metric(printed, task, metric, value, read_as):
    reading = read_value(printed, task=task, metric=metric)
    assert reading.value == pytest.approx(value, abs=1e-12) and reading.read_as == read_as


def test_the_tolerance_is_the_printed_precision_plus_the_metrics_noise_and_says_so():
    coarse = read_value("0.92", task="text-classification", metric="accuracy")
    fine = read_value("0.9206", task="text-classification", metric="accuracy")
    assert coarse.tolerance == pytest.approx(0.005 + 0.005) and fine.tolerance == pytest.approx(0.005 + 0.00005)
    assert "half the last printed digit" in fine.tolerance_note
    assert read_value(88.71, task="question-answering", metric="f1").tolerance == pytest.approx(0.5 + 0.005)


@pytest.mark.parametrize(
    ("printed", "metric", "message"),
    [
        (120.0, "accuracy", "accuracy lies between 0 and 1 (or 0 and 100 in percent), found 120"),
        (-0.1, "accuracy", "found -0.1"),
        (-1.0, "eval_loss", "eval_loss cannot be negative, found -1"),
        ("n/a", "accuracy", "'n/a' is not a number"),
        (True, "accuracy", "True is not a number"),
        (float("nan"), "accuracy", "not a finite number"),
    ],
)
def test_values_out_of_range_are_refused_with_what_was_found(printed, metric, message):
    with pytest.raises(OutOfRange, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_value(printed, task="text-classification", metric=metric)


def test_a_legacy_id_with_config_and_split_resolves_to_the_current_repo_and_its_files():
    found = resolve(RawDataset(id="glue", config="sst2", split="validation"))
    assert found.review is None and found.task == "text-classification"
    assert found.block == {"repo": "nyu-mll/glue", "revision": None, "config": "sst2", "split": "validation",
                           "files": "sst2/validation-*.parquet", "inputs": ["sentence"], "label": "label", "size": 872}  # fmt: skip


def test_an_ambiguous_name_without_a_split_goes_to_review_with_every_candidate():
    found = resolve(RawDataset(id="sst2"))
    assert found.block is None
    assert "may mean nyu-mll/glue:sst2 or stanfordnlp/sst2, no split" in found.review
    assert [(c["repo"], c["config"], c["split"]) for c in found.candidates] == [
        ("nyu-mll/glue", "sst2", "validation"), ("stanfordnlp/sst2", "default", "validation")]  # fmt: skip


def test_a_missing_config_lists_each_config_and_evaluation_split():
    found = resolve(RawDataset(id="clinc_oos"))
    assert "no config, no split" in found.review
    assert ("clinc/clinc_oos", "plus", "validation") in [(c["repo"], c["config"], c["split"]) for c in found.candidates]
    assert all(c["split"] != "train" for c in found.candidates)


def test_a_training_split_is_flagged_but_the_trainers_evaluation_set_is_not():
    assert resolve(RawDataset(id="sst2", config="default", split="train")).training
    trainer = resolve(RawDataset(id="glue", config="sst2", split="train"), evaluation_set=True)
    assert not trainer.training and [c["split"] for c in trainer.candidates] == ["validation"]
    assert "no split" in trainer.review  # the metadata's split was wrong, so a person confirms the right one


def test_unknown_datasets_and_unlabelled_splits_say_what_to_give():
    assert "knows no layout of dataset 'acme/reviews'" in resolve(RawDataset(id="acme/reviews")).review
    assert "withholds its labels (they are -1)" in resolve(RawDataset(id="glue", config="sst2", split="test")).review
    assert "names no dataset" in resolve(None).review
