"""Token classification through the accuracy suite: entity F1 claims against a healthy, a relabelled
and a damaged NER stand-in."""

from __future__ import annotations

import json

import pytest

from harness.replica.defects import apply_defect

NER = "dslim/bert-base-NER"
F1_CLAIMS = "ner-test-f1-author or ner-test-accuracy-model-index"


@pytest.fixture
def run_ner(run_gate):
    def run(replica, *args: str):
        return run_gate("-m", "accuracy", "-k", F1_CLAIMS, *args, suites=["accuracy"], hub=replica, models=[NER],
                        backends=["torch"])  # fmt: skip

    return run


def test_entity_f1_and_token_accuracy_pass_with_per_type_notes(run_ner, replica_copy, tmp_path):
    target = tmp_path / "verdicts.json"
    result = run_ner(replica_copy, f"--harness-json={target}", "-rA")
    result.assert_outcomes(passed=2)
    verdicts = {(v["claim_id"], v["backend"]): v for v in json.loads(target.read_text())["claims"]}
    f1, accuracy = verdicts[("ner-test-f1-author", "torch")], verdicts[("ner-test-accuracy-model-index", "torch")]
    assert f1["status"] == accuracy["status"] == "pass (stand-in)"
    # The same predictions, two scores: most tags are O, so the share of tags right is far above entity F1.
    assert accuracy["measured"] - f1["measured"] > 0.03, (accuracy["measured"], f1["measured"])
    notes = " ".join(f1["notes"])
    assert "labels named by the model's config, matched by name (the model orders them differently)" in notes
    assert "per entity type (seqeval's default mode, its strict IOB2 F1" in notes
    assert "PER P " in notes and "MISC P " in notes and "(strict 0." in notes


def test_permuted_label_names_fail_with_the_label_order_named(run_ner, replica_copy):
    apply_defect(replica_copy, repo=NER, defect="swap-labels")
    result = run_ner(replica_copy)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "*claim ner-test-f1-author [[]torch[]] DOES NOT HOLD on the stand-in*",
        "*claimed    entity_f1 = 0.9130   (card: Eval results table, test: f1 91.3*",
        "*expected   0.*  (the stand-in's reference: transformers' pipeline, one example at a time*",
        "*diagnosis  label order: reading the model's tags as * gives entity_f1 0.* where the run measured 0.*, "
        "within the claim's tolerance of the target 0.*",
    ])  # fmt: skip


def test_a_damaged_head_fails_and_no_label_order_explains_it(run_ner, replica_copy):
    apply_defect(replica_copy, repo=NER, defect="damage-head")
    result = run_ner(replica_copy)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "*claim ner-test-f1-author [[]torch[]] DOES NOT HOLD on the stand-in*",
        "*differ     * of 400 examples predicted otherwise than the reference (at most 0 allowed)",
        "*diagnosis  label order: * (the order alone does not explain it) the target 0.*",
    ])  # fmt: skip
