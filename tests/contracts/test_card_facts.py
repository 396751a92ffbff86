"""What the cards state about each model's make: its architecture, and its label names."""

import pytest

pytestmark = pytest.mark.contracts


def test_the_config_has_the_cards_architecture(harness_card_model, harness_config):
    stated = harness_card_model.architecture
    found = {name: getattr(harness_config, name, None) for name in stated}
    wrong = {name: (value, found[name]) for name, value in stated.items() if found[name] != value}
    assert not wrong, "config.json disagrees with the card: " + ", ".join(
        f"{name} is {actual!r}, the card says {card!r}" for name, (card, actual) in wrong.items()
    )


def test_the_label_names_are_the_cards(harness_subject):
    from harness.tasks.classification import LabelMismatch, align

    if not harness_subject.task.aligns_labels or not harness_subject.dataset_labels:
        pytest.skip("only classifiers and taggers name labels, and only against a dataset that names them")
    try:
        alignment = align(harness_subject.predictor.id2label, harness_subject.dataset_labels,
                          card_labels=harness_subject.claim.model.labels)  # fmt: skip
    except LabelMismatch as exc:
        pytest.fail(f"the model's labels cannot be matched with the dataset's: {exc}")
    if not alignment.by_name:
        pytest.skip(f"no names to compare: {alignment.note}")
    model = sorted(name.lower() for name in harness_subject.labels)
    card = sorted(name.lower() for name in harness_subject.dataset_labels)
    assert model == card, f"the model's labels {model} are not the card's dataset labels {card}"
