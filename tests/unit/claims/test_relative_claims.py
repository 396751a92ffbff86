"""Relative claims (``relative_to`` with ``recovery`` or ``max_drop``) load, and malformed ones are refused
with the key and the fix."""

from __future__ import annotations

import pytest
import yaml
from test_registry import VALID, write

from harness.claims.cards import load_card, load_registry
from harness.claims.schema import CardError


def relative(**changes) -> dict:
    document = yaml.safe_load(yaml.safe_dump(VALID))
    document["models"]["base"] = {"repo": "org/base"}
    claim = document["claims"][0]
    for name in ("value", "tolerance"):
        del claim[name]
    claim.update(relative_to={"model": "base", "backend": "torch"}, recovery=0.99)
    for key, value in changes.items():
        if value is None:
            claim.pop(key, None)
        else:
            claim[key] = value
    return document


def test_a_relative_claim_loads_with_its_baseline_and_rule(tmp_path):
    (claim,) = load_card(write(tmp_path, relative()))
    assert claim.relative.baseline.model.repo == "org/base" and claim.relative.baseline.backend == "torch"
    assert claim.relative.recovery == 0.99 and claim.relative.max_drop is None
    assert claim.value is None and claim.tolerance is None and claim.suite == "accuracy"
    assert claim.relative.describe() == "at least 0.99 × org/base on torch, on the same rows"
    (by_drop,) = load_card(write(tmp_path, relative(recovery=None, max_drop=0.01)))
    assert by_drop.relative.max_drop == 0.01 and by_drop.relative.describe().startswith("at most 0.01 below org/base")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"max_drop": 0.01}, ["claims[example-accuracy]", "exactly one of 'recovery: 0.99'", "'max_drop: 0.01'"]),
        ({"recovery": None}, ["exactly one of"]),
        ({"recovery": 1.2}, ["claims[example-accuracy].recovery", "a share of the baseline in (0, 1], found 1.2"]),
        ({"recovery": None, "max_drop": -1}, ["max_drop", "zero or more in the metric's units, found -1"]),
        ({"value": 0.9}, ["claims[example-accuracy].value", "judged against its baseline, not a figure"]),
        ({"metric": "eval_loss"}, ["claims[example-accuracy].metric", "'eval_loss' is not one of them"]),
        ({"relative_to": {"model": "nope", "backend": "torch"}}, ["relative_to.model", "'nope' is not one of"]),
        ({"relative_to": {"model": "base", "backend": "tensorrt"}}, ["relative_to.backend", "'tensorrt' is not allowed"]),
        ({"relative_to": None}, ["claims[example-accuracy].recovery", "only a claim with 'relative_to' takes it"]),
    ],
    ids=["both-rules", "no-rule", "recovery-over-1", "negative-drop", "with-a-value", "a-loss", "unknown-model",
         "unknown-backend", "rule-without-relative-to"],
)  # fmt: skip
def test_malformed_relative_claims_are_refused_with_key_and_fix(tmp_path, changes, expected):
    with pytest.raises(CardError) as caught:
        load_card(write(tmp_path, relative(**changes)))
    for fragment in expected:
        assert fragment in str(caught.value)


def test_intels_int8_models_are_held_to_99_percent_of_fp32_on_the_same_rows():
    registry = load_registry()
    for claim_id, backend, file in [("sst2-int8-onnx-recovery", "onnx", "model.onnx"),
                                    ("sst2-int8-pytorch-recovery", "inc", "pytorch_model.bin")]:  # fmt: skip
        claim = registry.by_id(claim_id)
        assert claim.backends == (backend,) and claim.file == file and claim.relative.recovery == 0.99
        assert claim.relative.baseline.model.repo == "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
        assert claim.dataset == registry.by_id("sst2-fp32-accuracy").dataset
        assert "harness's expectation" in claim.source
