"""`harness eval`: one evaluation outside pytest, on local folders or repo ids, scored against the
replica's reference pipeline (run one example at a time when the replica was built)."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from harness.claims.cards import load_registry
from harness.cli import main
from harness.replica.manifest import ReplicaExpectations
from harness.replica.tiny import snapshot_folder

SST2 = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"


def reference(replica_root, claim_id: str, backend: str) -> float:
    expectations = ReplicaExpectations.find(replica_root)
    scores = expectations.scores(load_registry().by_id(claim_id), backend)
    return sum(scores) / len(scores)  # the reference pipeline's per-example scores, over every row


def test_local_folders_give_the_reference_pipelines_accuracy(replica_root, tmp_path, capsys):
    model = snapshot_folder(replica_root, SST2)
    glue = snapshot_folder(replica_root, "nyu-mll/glue", repo_type="dataset")
    args = ["eval", "--model", str(model), "--dataset", str(glue), "--config", "sst2", "--split", "validation",
            "--task", "text-classification", "--backend", "torch", "--json", str(tmp_path / "m.json"),
            "--predictions", str(tmp_path / "p.jsonl"), "--cache-dir", str(tmp_path)]  # fmt: skip
    assert main(args) == 0
    summary = json.loads((tmp_path / "m.json").read_text())
    assert summary["metrics"]["accuracy"] == pytest.approx(reference(replica_root, "sst2-fp32-accuracy", "torch"))
    assert summary["n"] == 872 and summary["examples_per_second"] == pytest.approx(872 / summary["seconds"])
    lines = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text().splitlines()]
    assert len(lines) == 872 and set(lines[0]) == {"index", "prediction", "reference"}
    right = sum(line["prediction"].lower() == line["reference"].lower() for line in lines)
    assert right / 872 == pytest.approx(summary["metrics"]["accuracy"])  # the predictions file agrees
    assert "examples/s (tokenization included; loading and export excluded)" in capsys.readouterr().out


@pytest.mark.parametrize(("backend", "claim", "reference_backend"), [
    ("onnx", "sst2-fp32-accuracy", "torch"),
    ("onnx-int8", "sst2-int8-onnx-accuracy", "onnx"),  # Intel's model.onnx stand-in is this same quantization
])  # fmt: skip
def test_repo_ids_resolve_through_the_hub_cache(replica_root, tmp_path, backend, claim, reference_backend):
    args = ["eval", "--model", SST2, "--dataset", "nyu-mll/glue", "--config", "sst2", "--split", "validation",
            "--task", "text-classification", "--backend", backend, "--hub", str(replica_root),
            "--json", str(tmp_path / "m.json"), "--cache-dir", str(tmp_path)]  # fmt: skip
    assert main(args) == 0
    measured = json.loads((tmp_path / "m.json").read_text())["metrics"]["accuracy"]
    assert measured == pytest.approx(reference(replica_root, claim, reference_backend), abs=1.5 / 872)


def test_pairs_and_qa_infer_their_columns(replica_root, tmp_path):
    mnli = ["eval", "--model", "typeform/distilbert-base-uncased-mnli", "--dataset", "nyu-mll/glue", "--config", "mnli",
            "--split", "validation_matched", "--task", "text-pair-classification", "--backend", "torch", "--limit",
            "100", "--hub", str(replica_root), "--json", str(tmp_path / "mnli.json"), "--cache-dir", str(tmp_path)]  # fmt: skip
    assert main(mnli) == 0
    assert json.loads((tmp_path / "mnli.json").read_text())["n"] == 100
    squad = ["eval", "--model", "Intel/dynamic_tinybert", "--dataset", "rajpurkar/squad", "--config", "plain_text",
             "--split", "validation", "--task", "question-answering", "--backend", "torch", "--hub", str(replica_root),
             "--json", str(tmp_path / "qa.json"), "--cache-dir", str(tmp_path)]  # fmt: skip
    assert main(squad) == 0
    metrics = json.loads((tmp_path / "qa.json").read_text())["metrics"]
    assert metrics["f1"] == pytest.approx(reference(replica_root, "dynamic-tinybert-squad-f1", "torch"), abs=1e-6)
    assert 0 < metrics["exact_match"] <= metrics["f1"]


def test_ambiguous_columns_ask_for_inputs(replica_root, tmp_path, capsys):
    table = pa.table({"title": ["t"], "summary": ["a"], "body": ["b"], "label": [0]})
    (tmp_path / "data").mkdir()
    pq.write_table(table, tmp_path / "data" / "validation-00000.parquet")
    args = ["eval", "--model", str(snapshot_folder(replica_root, SST2)), "--dataset", str(tmp_path / "data"),
            "--split", "validation", "--task", "text-classification", "--backend", "torch", "--cache-dir",
            str(tmp_path)]  # fmt: skip
    assert main(args) == 2
    error = capsys.readouterr().err
    assert "cannot tell which of the text columns ['summary', 'body']" in error and "pass --inputs COL" in error
    assert main([*args[:5], "--split", "test", *args[7:]]) == 2
    error = capsys.readouterr().err
    assert "no file matches test-*.parquet or test/*.parquet; parquet files there: validation-00000.parquet" in error


def test_token_classification_scores_entities_and_writes_words_gold_and_predicted_tags(replica_root, tmp_path):
    from seqeval.metrics import accuracy_score, f1_score
    from seqeval.scheme import IOB2

    args = ["eval", "--model", "dslim/bert-base-NER", "--dataset", "eriktks/conll2003", "--dataset-revision",
            "refs/convert/parquet", "--config", "conll2003", "--split", "test", "--task", "token-classification",
            "--backend", "onnx", "--hub", str(replica_root), "--json", str(tmp_path / "m.json"),
            "--predictions", str(tmp_path / "p.jsonl"), "--cache-dir", str(tmp_path)]  # fmt: skip
    assert main(args) == 0
    metrics = json.loads((tmp_path / "m.json").read_text())["metrics"]
    lines = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text().splitlines()]
    assert set(lines[0]) == {"index", "words", "gold", "predicted"}
    assert all(len(line["words"]) == len(line["gold"]) == len(line["predicted"]) for line in lines)
    gold, predicted = [line["gold"] for line in lines], [line["predicted"] for line in lines]
    # the summary is seqeval's reading of the predictions file
    assert metrics["entity_f1"] == pytest.approx(f1_score(gold, predicted))
    assert metrics["entity_f1_strict"] == pytest.approx(f1_score(gold, predicted, mode="strict", scheme=IOB2))
    assert metrics["token_accuracy"] == pytest.approx(accuracy_score(gold, predicted))
    # and the predictions are the reference pipeline's (torch, one sentence at a time), tag for tag
    claim = load_registry().by_id("ner-test-f1-author")
    expected = ReplicaExpectations.find(replica_root).predictions(claim, "torch")
    assert [" ".join(tags) for tags in predicted] == expected
    assert metrics["entity_f1"] != metrics["token_accuracy"]
