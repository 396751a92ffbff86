"""The shipped cards load, and every kind of bad card file is refused with a message that helps."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness.claims.cards import load_card, load_registry
from harness.claims.schema import CardError

VALID = {
    "card": "example",
    "models": {"m": {"repo": "org/model"}},
    "datasets": {
        "d": {
            "repo": "org/data",
            "split": "validation",
            "files": "x/validation-*.parquet",
            "inputs": ["sentence"],
            "label": "label",
        },
    },
    "claims": [
        {
            "id": "example-accuracy",
            "model": "m",
            "dataset": "d",
            "task": "text-classification",
            "metric": "accuracy",
            "value": 0.9,
            "tolerance": 0.01,
            "backends": ["torch"],
            "source": "the card says 0.9",
        }
    ],
}


def write(tmp_path: Path, document: dict, name: str = "card.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document))
    return path


def changed(**claim_changes) -> dict:
    document = yaml.safe_load(yaml.safe_dump(VALID))
    for key, value in claim_changes.items():
        if value is None:
            del document["claims"][0][key]
        else:
            document["claims"][0][key] = value
    return document


def test_shipped_cards_cover_the_five_models():
    registry = load_registry()
    repos = {claim.model.repo for claim in registry.claims}
    assert repos >= {
        "Intel/distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc",
        "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
        "Intel/dynamic_tinybert",
        "Intel/bert-large-uncased-sparse-90-unstructured-pruneofa",
        "typeform/distilbert-base-uncased-mnli",
        "Adriana213/distilbert-base-uncased-finetuned-clinc",
    }
    values = {claim.id: claim.value for claim in registry.claims}
    # The figures the cards print (../shared/FACTS.md), as registered.
    assert values["sst2-int8-pytorch-accuracy"] == 0.9037
    assert values["sst2-int8-onnx-accuracy"] == 0.9071
    assert values["sst2-fp32-accuracy"] == 0.9106
    assert values["dynamic-tinybert-squad-f1"] == 88.71
    assert values["clinc-accuracy"] == 0.9206
    assert values["clinc-eval-loss"] == 0.7872
    assert values["mnli-matched-accuracy"] == values["mnli-mismatched-accuracy"] == 0.820
    assert (values["sst2-int8-pytorch-size"], values["sst2-int8-onnx-size"], values["sst2-fp32-size"]) == (65, 89, 255)


def test_uncheckable_claims_are_registered_with_a_reason():
    registry = load_registry()
    uncheckable = registry.select(checkable=False)
    assert {"dynamic-tinybert-speedup", "bert-large-sparse-90-squad-f1"} <= {c.id for c in uncheckable}
    assert all(c.reason and len(c.reason) > 20 for c in uncheckable)


def test_a_valid_card_loads(tmp_path):
    (claim,) = load_card(write(tmp_path, VALID))
    assert claim.model.repo == "org/model"
    assert claim.dataset.inputs == ("sentence",)
    assert claim.tolerance.admits(claimed=0.9, measured=0.91)
    assert not claim.tolerance.admits(claimed=0.9, measured=0.8899)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param(
            changed(tolerence=0.01),
            ["'claims[example-accuracy].tolerence'", "unknown key", "Did you mean 'tolerance'"],
            id="unknown-key",
        ),
        pytest.param(
            changed(source=None), ["claims[example-accuracy].source", "required key is missing"], id="missing-field"
        ),
        pytest.param(
            changed(metric="exact_match"), ["'exact_match' is not allowed", "Allowed: accuracy"],
            id="metric-task-cannot-produce",
        ),
        pytest.param(
            changed(tolerance=-0.01), ["tolerance", "must be zero or positive", "-0.01"], id="negative-tolerance"
        ),
        pytest.param(
            changed(backends=["tensorflow"]), ["'tensorflow' is not allowed", "torch, onnx, inc"], id="unknown-backend"
        ),
        pytest.param(changed(model="nope"), ["'nope' is not one of this card's models (m)"], id="unknown-model"),
        pytest.param(changed(dataset="nope"), ["'nope' is not one of this card's datasets (d)"], id="unknown-dataset"),
        pytest.param(changed(value="high"), ["value", "expected a finite number", "'high'"], id="value-not-a-number"),
        pytest.param(changed(bound="sideways"), ["bound", "'sideways' is not allowed", "at-least"], id="unknown-bound"),
        pytest.param(
            changed(metric="speedup"),
            ["baseline", "names what it is faster than", "checkable: false"],
            id="ratio-without-baseline",
        ),
        pytest.param(
            changed(metric="speedup", baseline={"model": "nope", "backend": "torch"}),
            ["claims[example-accuracy].baseline.model", "'nope' is not one of this card's models"],
            id="ratio-with-unknown-baseline",
        ),
        pytest.param(
            changed(baseline={"model": "m", "backend": "torch"}),
            ["only ratio claims", "take a baseline"],
            id="baseline-on-an-accuracy-claim",
        ),
        pytest.param(
            changed(checkable=False), ["reason", "expected a non-empty string"], id="uncheckable-without-reason"
        ),
    ],
)
def test_bad_claims_are_refused_with_file_key_and_fix(tmp_path, document, expected):
    path = write(tmp_path, document, "bad-card.yaml")
    with pytest.raises(CardError) as caught:
        load_card(path)
    message = str(caught.value)
    assert str(path) in message
    for fragment in expected:
        assert fragment in message


def test_lowercase_must_be_a_boolean(tmp_path):
    document = yaml.safe_load(yaml.safe_dump(VALID))
    document["models"]["m"]["lowercase"] = "yes"
    with pytest.raises(CardError, match=r"models\.m\.lowercase.*expected true or false, found 'yes'"):
        load_card(write(tmp_path, document))


@pytest.mark.parametrize(
    ("labels", "fragment"),
    [([], "expected a list of label names"), ([0, 1], "expected a list of label names"),
     (["neg", "NEG"], "must differ")],
)  # fmt: skip
def test_labels_must_be_distinct_names(tmp_path, labels, fragment):
    document = yaml.safe_load(yaml.safe_dump(VALID))
    document["models"]["m"]["labels"] = labels
    with pytest.raises(CardError, match=rf"models\.m\.labels.*{fragment}"):
        load_card(write(tmp_path, document))
    document["models"]["m"]["labels"] = ["negative", "positive"]
    assert load_card(write(tmp_path, document))[0].model.labels == ("negative", "positive")


def test_quantized_from_names_another_model_of_the_card(tmp_path):
    document = yaml.safe_load(yaml.safe_dump(VALID))
    document["models"]["fp32"] = {"repo": "org/model-fp32"}
    document["models"]["m"]["quantized_from"] = "fp32"
    (claim,) = load_card(write(tmp_path, document))
    assert claim.model.quantized_from == "org/model-fp32"  # the name is resolved to the repo
    document["models"]["m"]["quantized_from"] = "fp16"
    with pytest.raises(CardError, match=r"models\.m\.quantized_from.*'fp16' is not another model.*its models: fp32"):
        load_card(write(tmp_path, document))


def test_pipeline_tag_is_one_the_harness_checks(tmp_path):
    document = yaml.safe_load(yaml.safe_dump(VALID))
    document["models"]["m"]["pipeline_tag"] = "zero-shot"
    with pytest.raises(
        CardError, match=r"models\.m\.pipeline_tag.*'zero-shot' is not allowed.*zero-shot-classification"
    ):
        load_card(write(tmp_path, document))


def test_a_glue_test_split_is_refused_but_a_labelled_test_split_is_taken(tmp_path):
    document = yaml.safe_load(yaml.safe_dump(VALID))
    document["datasets"]["d"]["split"] = "test"
    assert load_card(write(tmp_path, document))[0].dataset.split == "test"  # CoNLL-2003's test split is labelled
    document["datasets"]["d"]["repo"] = "nyu-mll/glue"
    with pytest.raises(CardError, match=r"datasets\.d\.split.*nyu-mll/glue's test splits carry label -1"):
        load_card(write(tmp_path, document))


def test_broken_yaml_is_refused(tmp_path):
    path = tmp_path / "card.yaml"
    path.write_text("card: [unclosed\n")
    with pytest.raises(CardError, match="not valid YAML"):
        load_card(path)


def test_claim_ids_are_unique_across_cards(tmp_path):
    first, second = write(tmp_path, VALID, "a.yaml"), write(tmp_path, VALID, "b.yaml")
    with pytest.raises(CardError, match=r"b\.yaml.*'example-accuracy' is already used in .*a\.yaml"):
        load_registry([first, second])


def test_unknown_model_selection_suggests_the_closest():
    with pytest.raises(CardError, match="Did you mean 'typeform/distilbert-base-uncased-mnli'"):
        load_registry().select(models=["typeform/distilbert-base-uncased-mnl"])


@pytest.mark.parametrize(
    ("bound", "measured", "admitted"),
    [
        ("two-sided", 0.95, False),
        ("at-least", 0.95, True),
        ("at-least", 0.88, False),
        ("at-most", 0.85, True),
        ("at-most", 0.92, False),
        ("two-sided", 0.899, True),
    ],
)
def test_one_sided_tolerances(tmp_path, bound, measured, admitted):
    (claim,) = load_card(write(tmp_path, changed(bound=bound)))
    assert claim.tolerance.admits(claimed=0.9, measured=measured) is admitted


def test_qa_settings_belong_to_qa_claims(tmp_path):
    with pytest.raises(CardError, match=r"claims\[example-accuracy\]\.qa.*only question-answering claims"):
        load_card(write(tmp_path, changed(qa={"doc_stride": 128})))
    (claim,) = [c for c in load_registry().claims if c.id == "dynamic-tinybert-squad-f1"]
    assert (claim.qa.doc_stride, claim.qa.max_query_length, claim.qa.n_best, claim.qa.max_answer_length) == (
        128,
        64,
        20,
        30,
    )
