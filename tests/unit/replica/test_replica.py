"""The replica's expected values come from the plain pipeline, and its stand-ins load by repo id."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from harness.replica.manifest import MANIFEST
from harness.replica.tiny import snapshot_folder


def read_rows(replica_root, repo, pattern):
    (path,) = snapshot_folder(replica_root, repo, repo_type="dataset").glob(pattern)
    table = pq.read_table(path)
    names = json.loads(table.schema.metadata[b"huggingface"])["info"]["features"]["label"]["names"]
    return table.to_pydict(), names


@pytest.mark.parametrize(
    ("claim_id", "model", "pattern", "columns"),
    [
        (
            "sst2-fp32-accuracy",
            "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
            "sst2/validation-*.parquet",
            ["sentence"],
        ),
        (
            "mnli-matched-accuracy",
            "typeform/distilbert-base-uncased-mnli",
            "mnli/validation_matched-*.parquet",
            ["premise", "hypothesis"],
        ),
    ],
)
def test_expected_value_is_what_the_plain_pipeline_measures(replica_root, claim_id, model, pattern, columns):
    """Recompute with transformers alone (loading by repo id from the cache) and compare."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

    rows, names = read_rows(replica_root, "nyu-mll/glue", pattern)
    kwargs = {"cache_dir": str(replica_root / "hub"), "local_files_only": True}
    classify = pipeline(
        "text-classification",
        device="cpu",
        model=AutoModelForSequenceClassification.from_pretrained(model, **kwargs),
        tokenizer=AutoTokenizer.from_pretrained(model, **kwargs),
    )
    correct = 0
    for i, label in enumerate(rows["label"]):
        query = (
            rows[columns[0]][i]
            if len(columns) == 1
            else {"text": rows[columns[0]][i], "text_pair": rows[columns[1]][i]}
        )
        predicted = classify(query, top_k=1, truncation=True, max_length=128)[0]["label"]
        correct += predicted.lower() == names[label]
    measured = correct / len(rows["label"])
    manifest = json.loads((replica_root / MANIFEST).read_text())
    assert manifest["expected"][claim_id]["torch"]["value"] == pytest.approx(measured, abs=1e-12)


@pytest.mark.parametrize(
    ("claim_id", "pattern"),
    [("sst2-fp32-accuracy", "sst2/validation-*.parquet"), ("mnli-matched-accuracy", "mnli/validation_matched-*.parquet")],
)
def test_replica_labels_make_label_order_bugs_visible(replica_root, claim_id, pattern):
    """Every other order of the model's label names, applied to the reference's own predictions, scores
    far below the claim: a label-order bug cannot hide inside the tolerance."""
    import itertools

    from harness.claims.cards import load_registry

    rows, names = read_rows(replica_root, "nyu-mll/glue", pattern)
    predicted = json.loads((replica_root / MANIFEST).read_text())["expected"][claim_id]["torch"]["predictions"]
    gold = [names[label] for label in rows["label"]]
    claim = load_registry().by_id(claim_id)
    for order in itertools.permutations(names):
        renamed = dict(zip(names, order, strict=True))
        accuracy = np.mean([renamed[p.lower()] == g for p, g in zip(predicted, gold, strict=True)])
        if list(order) == names:
            assert accuracy == pytest.approx(claim.value, abs=claim.tolerance.amount)
        else:
            assert accuracy < claim.value - 10 * claim.tolerance.amount, (order, accuracy)


def test_stand_ins_keep_the_real_config_fields(replica_root):
    from transformers import AutoConfig, AutoTokenizer

    kwargs = {"cache_dir": str(replica_root / "hub"), "local_files_only": True}
    config = AutoConfig.from_pretrained("typeform/distilbert-base-uncased-mnli", **kwargs)
    assert config.model_type == "distilbert"
    assert config.max_position_embeddings == 512
    assert sorted(config.id2label.values()) == ["CONTRADICTION", "ENTAILMENT", "NEUTRAL"]
    clinc = AutoConfig.from_pretrained("Adriana213/distilbert-base-uncased-finetuned-clinc", **kwargs)
    assert len(clinc.id2label) == 151
    tokenizer = AutoTokenizer.from_pretrained("typeform/distilbert-base-uncased-mnli", **kwargs)
    assert tokenizer.do_lower_case
    assert tokenizer("English").input_ids == tokenizer("english").input_ids


@pytest.fixture(scope="module")
def squad_rows(replica_root):
    (path,) = snapshot_folder(replica_root, "rajpurkar/squad", repo_type="dataset").glob(
        "plain_text/validation-*.parquet"
    )
    return pq.read_table(path).to_pylist()


@pytest.fixture(scope="module")
def pipeline_answers(replica_root, squad_rows):
    """transformers' QA pipeline, one question at a time, with the claim's settings."""
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer, pipeline

    kwargs = {"cache_dir": str(replica_root / "hub"), "local_files_only": True}
    answer = pipeline(
        "question-answering", device="cpu",
        model=AutoModelForQuestionAnswering.from_pretrained("Intel/dynamic_tinybert", **kwargs),
        tokenizer=AutoTokenizer.from_pretrained("Intel/dynamic_tinybert", **kwargs),
    )  # fmt: skip
    return [
        answer(question=r["question"], context=r["context"], max_seq_len=384, doc_stride=128, max_answer_len=30,
               max_question_len=64)["answer"]
        for r in squad_rows
    ]  # fmt: skip


def harness_answers(replica_root, squad_rows, backend):
    from transformers import AutoTokenizer

    from harness.backends.base import ModelRequest, load_predictor
    from harness.claims.cards import load_registry
    from harness.evaluation.opening import resolve_model
    from harness.hub.resolve import HubLocation
    from harness.tasks import qa

    claim = load_registry().by_id("dynamic-tinybert-squad-f1")
    location = HubLocation(cache_dir=replica_root / "hub", offline=True, label="replica")
    model = resolve_model(claim, location)
    request = ModelRequest(folder=model.path, task=claim.task, file=None, work_dir=replica_root.parent / "work")
    found = qa.answer(
        AutoTokenizer.from_pretrained(model.path), load_predictor(backend, request),
        [r["question"] for r in squad_rows], [r["context"] for r in squad_rows], max_length=384, settings=claim.qa,
    )  # fmt: skip
    return found


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_qa_answers_agree_with_the_pipeline(replica_root, squad_rows, pipeline_answers, backend):
    from transformers.data.metrics import squad_metrics

    found = harness_answers(replica_root, squad_rows, backend)
    assert found.windows > 1.5 * len(squad_rows)  # most contexts need several windows
    agree = np.mean([a == b for a, b in zip(found.texts, pipeline_answers, strict=True)])
    assert agree >= 0.99, f"{agree:.1%} of answers agree with the pipeline"

    def f1(answers):
        return 100 * np.mean([
            max(squad_metrics.compute_f1(g, a) for g in r["answers"]["text"])
            for a, r in zip(answers, squad_rows, strict=True)
        ])  # fmt: skip

    assert abs(f1(found.texts) - f1(pipeline_answers)) <= 0.1


def test_torch_and_onnx_give_the_same_answers(replica_root, squad_rows):
    torch_answers = harness_answers(replica_root, squad_rows, "torch").texts
    assert harness_answers(replica_root, squad_rows, "onnx").texts == torch_answers
