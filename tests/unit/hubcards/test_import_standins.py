"""The seed cards as the reference: importing each stand-in repo's card, with its review notes resolved the
way the hand-written card resolves them, gives the hand-written card's claims, claim by claim."""

from __future__ import annotations

import pytest

from harness.claims.cards import card_claims, load_registry
from harness.evaluation.context import resolve_hub
from harness.hubcards.importer import import_card

INT8 = "Intel/distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc"
FP32 = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"

# repo -> (the choices that resolve its review notes as the hand-written card does,
#          {imported claim id: hand-written claim id})
SEEDS = {
    INT8: ({"sst2": 1, "fp32": 1}, {
        "distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc-sst2-accuracy-inc": "sst2-int8-pytorch-accuracy",
        "distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc-sst2-accuracy-onnx": "sst2-int8-onnx-accuracy",
        "distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc-fp32-sst2-accuracy": "sst2-fp32-accuracy",
        "distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc-size-mib-inc": "sst2-int8-pytorch-size",
        "distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc-size-mib-onnx": "sst2-int8-onnx-size",
        "distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc-fp32-size-mib-torch": "sst2-fp32-size",
    }),
    # The FP32 card's own figure (0.91055, verified) is the one Intel's card prints as 0.9106.
    FP32: ({}, {"distilbert-base-uncased-finetuned-sst-2-english-sst2-validation-accuracy": "sst2-fp32-accuracy"}),
    "Intel/dynamic_tinybert": ({"squad": 1}, {"dynamic-tinybert-squad-f1": "dynamic-tinybert-squad-f1"}),
    "typeform/distilbert-base-uncased-mnli": ({"mnli": 1}, {
        "distilbert-base-uncased-mnli-mnli-accuracy": "mnli-matched-accuracy",
        "distilbert-base-uncased-mnli-mnli-validation-mismatched-accuracy": "mnli-mismatched-accuracy",
    }),
    "Adriana213/distilbert-base-uncased-finetuned-clinc": ({"clinc-oos": 1}, {
        "distilbert-base-uncased-finetuned-clinc-clinc-oos-accuracy": "clinc-accuracy",
        "distilbert-base-uncased-finetuned-clinc-clinc-oos-eval-loss": "clinc-eval-loss",
    }),
    # model-index's token-classification result, and the author's "dev | test" table read as splits
    "dslim/bert-base-NER": ({}, {
        "bert-base-ner-conll2003-test-entity-f1": "ner-test-f1-model-index",
        "bert-base-ner-conll2003-test-entity-precision": "ner-test-precision-model-index",
        "bert-base-ner-conll2003-test-entity-recall": "ner-test-recall-model-index",
        "bert-base-ner-conll2003-test-token-accuracy": "ner-test-accuracy-model-index",
        "bert-base-ner-conll2003-validation-entity-f1": "ner-validation-f1-author",
        "bert-base-ner-conll2003-test-entity-f1-2": "ner-test-f1-author",
        "bert-base-ner-conll2003-test-entity-precision-2": "ner-test-precision-author",
        "bert-base-ner-conll2003-test-entity-recall-2": "ner-test-recall-author",
    }),
}  # fmt: skip


@pytest.fixture(scope="module")
def location(replica_root, tmp_path_factory):
    return resolve_hub(str(replica_root), cache_dir=tmp_path_factory.mktemp("cache")).location


def imported(repo: str, location, **choose: int):
    return {c.id: c for c in card_claims(import_card(repo, location=location, choose=choose), repo)}


@pytest.mark.parametrize("repo", SEEDS)
def test_each_seed_card_imports_as_its_hand_written_claims(repo, location):
    choose, expected = SEEDS[repo]
    claims = imported(repo, location, **choose)
    hand_written = load_registry()
    for claim_id, hand_id in expected.items():
        got, want = claims[claim_id], hand_written.by_id(hand_id)
        assert got.checkable, (claim_id, got.reason)
        assert (got.model.repo, got.task, got.metric) == (want.model.repo, want.task, want.metric), claim_id
        assert got.model.quantized_from == want.model.quantized_from, claim_id
        assert set(got.backends) == set(want.backends) and got.file == want.file, claim_id
        assert got.value == pytest.approx(want.value, abs=1e-4), claim_id
        # the printed precision widens the hand-written card's tolerance by at most half a digit
        assert want.tolerance.amount <= got.tolerance.amount <= want.tolerance.amount * 1.1 + 1e-12, claim_id
        assert got.max_seq_length == want.max_seq_length and got.qa == want.qa, claim_id
        if want.dataset is not None:
            fields = ("repo", "config", "split", "files", "inputs", "label", "size")
            assert [getattr(got.dataset, f) for f in fields] == [getattr(want.dataset, f) for f in fields], claim_id
        assert got.model.lowercase == want.model.lowercase, claim_id
        if got.model.repo == repo:  # pinned to the revision whose card was read
            assert got.provenance["card_revision"] == got.model.revision, claim_id


@pytest.mark.parametrize("repo", [r for r, (choose, _) in SEEDS.items() if choose])
def test_before_review_the_claims_on_open_datasets_are_not_checked(repo, location):
    claims = imported(repo, location)
    waiting = [c for c in claims.values() if (c.reason or "").startswith("needs review")]
    assert waiting and not any(c.checkable for c in waiting)


def test_the_sparse_checkpoints_table_is_for_its_descendants(location):
    claims = imported("Intel/bert-large-uncased-sparse-90-unstructured-pruneofa", location)
    assert claims and not any(c.checkable for c in claims.values())
    assert all("no task head" in c.reason for c in claims.values())


def test_a_token_classification_result_is_read_as_entity_scores_and_its_loss_is_kept_unchecked(location):
    claims = imported("dslim/bert-base-NER", location)
    by_metric = {c.metric for c in claims.values() if c.checkable}
    assert by_metric == {"entity_f1", "entity_precision", "entity_recall", "token_accuracy"}  # never a bare "f1"
    loss = claims["bert-base-ner-eval-loss"]
    assert not loss.checkable and "does not compute 'loss' for token-classification" in loss.reason
    assert all(c.dataset.revision == "refs/convert/parquet" for c in claims.values() if c.checkable)
