"""Results turned into claims: backends from the table's columns, merged duplicates, provenance, review notes
for what the card leaves open, and the figures the harness cannot check kept with the reason."""

from __future__ import annotations

from dataclasses import replace

from harness.claims.cards import card_claims
from harness.hubcards.compose import compose
from harness.hubcards.importer import apply_choices
from harness.hubcards.models import Repo
from harness.hubcards.readme import split_card
from harness.hubcards.sources import read_all

CLASSIFIER = {"architectures": ["DistilBertForSequenceClassification"], "n_layers": 6, "dim": 768}
INT8 = Repo(repo_id="org/model-int8", revision="abc", config={**CLASSIFIER, "torch_dtype": "int8"},
            files=("config.json", "model.onnx", "pytorch_model.bin"))  # fmt: skip
FP32 = Repo(repo_id="org/model", revision="def", config=CLASSIFIER, files=("config.json", "model.safetensors"))


def document(text: str, repo: Repo, **choose: int) -> dict:
    card = split_card(text, where="README.md")
    found, problems = read_all(card)
    draft = compose(card, repo, found, moved={"old-base": "org/base"})
    result = {"card": "c", "models": draft.models, "datasets": draft.datasets, "claims": draft.claims}
    return apply_choices(result, choose)


def claims_of(text: str, repo: Repo, **choose: int):
    return {c.id: c for c in card_claims(document(text, repo, **choose), "imported")}


QUANTIZED = """---
model-index:
- name: m
  results:
  - task: {type: sentiment-classification}
    dataset: {name: GLUE SST2, type: sst2}
    metrics:
    - {type: accuracy, value: 90.37}
---
This is an INT8 static quantization of old-base.

| | PyTorch INT8 | ONNX INT8 | FP32 | OpenVINO INT8 |
|---|---|---|---|---|
| **Accuracy (eval-accuracy)** | 0.9037 | 0.9071 | 0.9106 | 0.9050 |
| **Model size (MB)** | 65 | 89 | 255 | 70 |
"""


def test_columns_name_backends_files_and_the_fp32_model_and_duplicates_merge():
    claims = claims_of(QUANTIZED, INT8, sst2=1, fp32=1)
    pytorch = claims["model-int8-sst2-accuracy-inc"]
    assert (pytorch.backends, pytorch.file, pytorch.value) == (("inc",), "pytorch_model.bin", 0.9037)
    assert pytorch.provenance["at"] == ["model-index[0].results[0].metrics[0]", "README.md line 14"]
    assert pytorch.provenance["printed"] == "90.37" and pytorch.provenance["read_as"] == "percent, divided by 100"
    assert pytorch.model.quantized_from == "org/base"  # the FP32 model, named through the known redirect
    onnx = claims["model-int8-sst2-accuracy-onnx"]
    assert (onnx.backends, onnx.file, onnx.dataset.describe()) == (("onnx",), "model.onnx", "nyu-mll/glue sst2/validation")
    fp32 = claims["model-int8-fp32-sst2-accuracy"]
    assert (fp32.model.repo, fp32.model.formerly) == ("org/base", ("old-base",))
    assert fp32.backends == ("torch", "onnx", "openvino")  # the FP32 checkpoint, and its exports
    assert claims["model-int8-fp32-size-mib-torch"].value == 255
    assert claims["model-int8-size-mib-onnx"].tolerance.amount == 1.0


def test_an_openvino_figure_is_checked_on_the_repos_ir_and_kept_not_checkable_without_one():
    without = [c for c in claims_of(QUANTIZED, INT8, sst2=1, fp32=1).values() if "OpenVINO" in c.source]
    assert without and all(not c.checkable for c in without)
    assert "'OpenVINO INT8' is a figure of an OpenVINO IR (openvino_model.xml), which the repo does not hold" in (
        without[0].reason
    )
    holding = replace(INT8, files=(*INT8.files, "openvino_model.xml", "openvino_model.bin"))
    accuracy = claims_of(QUANTIZED, holding, sst2=1, fp32=1)["model-int8-sst2-accuracy-openvino"]
    assert (accuracy.checkable, accuracy.backends, accuracy.file, accuracy.value) == (
        True, ("openvino",), "openvino_model.xml", 0.9050)  # fmt: skip


def test_a_runtime_the_harness_lacks_is_kept_not_checkable_with_the_reason():
    tensorrt = QUANTIZED.replace("OpenVINO INT8", "TensorRT INT8")
    claims = [c for c in claims_of(tensorrt, INT8, sst2=1, fp32=1).values() if "TensorRT" in c.source]
    assert claims and all(not c.checkable and "no backend for 'TensorRT INT8'" in c.reason for c in claims)


def test_until_resolved_the_review_notes_are_the_claims_reasons():
    claims = claims_of(QUANTIZED, INT8)
    fp32 = claims["model-int8-fp32-sst2-accuracy"]
    assert not fp32.checkable
    assert fp32.reason.startswith("needs review: models.fp32: the card's FP32 figures are about the model this one")
    assert "Candidates: 1. org/base." in fp32.reason
    assert "datasets.sst2: dataset 'sst2': the name may mean nyu-mll/glue:sst2 or stanfordnlp/sst2" in fp32.reason
    assert "Candidates: 1. nyu-mll/glue sst2/validation (872 rows); 2. stanfordnlp/sst2 default/validation" in fp32.reason
    assert claims["model-int8-size-mib-inc"].checkable  # a size needs no dataset


VERIFIED = """---
model-index:
- name: m
  results:
  - task: {type: text-classification}
    dataset: {name: glue, type: glue, config: sst2, split: validation}
    metrics:
    - {type: accuracy, value: 0.9105504587155964, verified: true, verifyToken: x}
    - {type: f1, value: 0.9137, verified: true}
    - {type: Matthews Correlation, value: 0.82}
    - {type: loss, value: 0.39}
  - task: {type: text-classification}
    dataset: {name: sst2, type: sst2, config: default, split: train}
    metrics:
    - {type: accuracy, value: 0.9886}
---
"""


def test_verified_results_training_splits_and_metrics_the_harness_lacks():
    claims = claims_of(VERIFIED, FP32)
    accuracy = claims["model-sst2-validation-accuracy"]
    assert accuracy.checkable and accuracy.verified and accuracy.dataset.describe() == "nyu-mll/glue sst2/validation"
    assert claims["model-sst2-validation-eval-loss"].checkable
    f1 = claims["model-sst2-validation-f1"]  # binary, on the positive label
    assert f1.checkable and f1.value == 0.9137 and f1.verified
    assert claims["model-matthews-correlation"].reason == "the harness does not know the metric 'Matthews Correlation'"
    train = claims["model-accuracy"]
    assert (train.checkable, train.value) == (False, 0.9886)
    assert train.reason == "measured on the training split: kept for the record, never an evaluation claim"


TRAINER = """---
datasets: [clinc_oos]
model-index:
- name: m
  results:
  - task: {type: text-classification}
    dataset: {name: clinc_oos, type: clinc_oos, config: plus, split: train}
    metrics:
    - {type: accuracy, value: 0.9206}
---
This model is a fine-tuned version of base on the clinc_oos dataset.
It achieves the following results on the evaluation set:
- Loss: 0.7872
- Accuracy: 0.9206
"""


def test_a_trainer_cards_train_split_holding_the_evaluation_figure_is_not_taken_for_training():
    claims = claims_of(TRAINER, FP32)
    accuracy = [c for c in claims.values() if c.metric == "accuracy"]
    assert len(accuracy) == 1  # the model-index result and the Trainer's list are one figure
    assert not accuracy[0].checkable and "needs review" in accuracy[0].reason and "training" not in accuracy[0].reason
    resolved = claims_of(TRAINER, FP32, **{"clinc-oos-plus": 1})
    assert {c.dataset.describe() for c in resolved.values()} == {"clinc/clinc_oos plus/validation"}


def test_a_checkpoint_without_a_task_head_claims_nothing_checkable():
    headless = Repo(repo_id="org/sparse", revision="x", config={"architectures": ["BertForMaskedLM"]})
    text = "| Model | SQuADv1.1 (EM/F1) |\n|---|---|\n| 90% Sparse | 83.35/90.20 |\n"
    claims = claims_of(text, headless)
    assert len(claims) == 2 and not any(c.checkable for c in claims.values())
    assert all("no task head (architectures: BertForMaskedLM)" in c.reason for c in claims.values())


def test_a_value_out_of_range_waits_for_review_naming_the_entry():
    text = "---\nmodel-index:\n- name: m\n  results:\n  - task: {type: text-classification}\n    dataset: {type: glue, config: sst2, split: validation}\n    metrics:\n    - {type: accuracy, value: 190.5}\n---\n"
    (claim,) = claims_of(text, FP32).values()
    assert not claim.checkable
    assert "the value cannot be read: accuracy lies between 0 and 1 (or 0 and 100 in percent), found 190.5" in claim.reason
    assert "model-index[0].results[0].metrics[0]" in claim.reason
