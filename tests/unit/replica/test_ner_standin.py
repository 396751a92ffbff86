"""The NER stand-in: the real repo's label order (not the dataset's), a cased tokenizer, and a reference
whose per-sentence counts give seqeval's own scores of the reference pipeline's tags."""

from __future__ import annotations

import json

import numpy as np
import pytest
from seqeval.metrics import accuracy_score, f1_score, precision_score, recall_score
from seqeval.scheme import IOB2
from transformers import AutoTokenizer

from harness.claims.cards import load_registry
from harness.data.splits import read_split
from harness.measures.metrics import value_of
from harness.replica.manifest import ReplicaExpectations
from harness.replica.tiny import snapshot_folder

NER = "dslim/bert-base-NER"


def test_the_model_orders_its_tags_otherwise_than_the_dataset_and_keeps_case(replica_root):
    folder = snapshot_folder(replica_root, NER)
    config = json.loads((folder / "config.json").read_text())
    model_order = [config["id2label"][str(i)] for i in range(9)]
    data = snapshot_folder(replica_root, "eriktks/conll2003", repo_type="dataset", ref="refs/convert/parquet")
    split = read_split(sorted(data.glob("conll2003/test/*.parquet")), inputs=["tokens"], label="ner_tags")
    assert model_order[:3] == ["O", "B-MISC", "I-MISC"] and split.label_names[:3] == ("O", "B-PER", "I-PER")
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert tokenizer("Paris")["input_ids"] != tokenizer("paris")["input_ids"]


@pytest.mark.parametrize("claim_id", ["ner-test-f1-author", "ner-validation-f1-author"])
def test_the_reference_target_is_seqevals_score_of_the_pipelines_tags(replica_root, claim_id):
    registry = load_registry()
    claim = registry.by_id(claim_id)
    expectations = ReplicaExpectations.find(replica_root)
    reference = [p.split(" ") for p in expectations.predictions(claim, "torch")]
    counts = np.asarray(expectations.scores(claim, "torch"), dtype=np.float64)
    data = snapshot_folder(replica_root, claim.dataset.repo, repo_type="dataset", ref=claim.dataset.revision)
    split = read_split(sorted(data.glob(claim.dataset.files)), inputs=["tokens"], label="ner_tags")
    gold = [[split.label_names[t] for t in sentence] for sentence in split.labels]
    assert value_of("entity_f1", counts) == pytest.approx(f1_score(gold, reference))
    assert value_of("entity_precision", counts) == pytest.approx(precision_score(gold, reference))
    assert value_of("entity_recall", counts) == pytest.approx(recall_score(gold, reference))
    assert value_of("entity_f1_strict", counts) == pytest.approx(f1_score(gold, reference, mode="strict", scheme=IOB2))
    assert value_of("token_accuracy", counts) == pytest.approx(accuracy_score(gold, reference))
    assert 0.6 < f1_score(gold, reference) < 0.99  # a model that is right often, not always
