"""Each source kind a card states results in, read into results, and bad cards refused with the place and the fix."""

from __future__ import annotations

import pytest

from harness.hubcards import eval_results, model_index, tables, trainer_text
from harness.hubcards.found import CardImportError
from harness.hubcards.readme import split_card


def card(text: str, **kw):
    return split_card(text, where="org/model@abc/README.md", **kw)


INTEL = """---
model-index:
- name: int8
  results:
  - task: {name: Text Classification, type: sentiment-classification}
    dataset: {name: GLUE SST2, type: sst2}
    metrics:
    - {name: Accuracy, type: accuracy, value: 90.37}
---
# Test result

| | PyTorch INT8 | ONNX INT8 | FP32 |
|---|:---:|:---:|:---:|
| **Accuracy (eval-accuracy)** | 0.9037 | 0.9071 | 0.9106 |
| **Model size (MB)** | 65 | 89 | 255 |
"""


def test_model_index_results_keep_task_dataset_and_the_entry_they_came_from():
    found, problems = model_index.read(card(INTEL))
    assert problems == []
    (result,) = found
    assert (result.metric, result.value, result.task) == ("accuracy", 90.37, "sentiment-classification")
    assert (result.dataset.id, result.dataset.config, result.dataset.split) == ("sst2", None, None)
    assert result.at == "model-index[0].results[0].metrics[0]" and result.kind == "model-index"


def test_the_older_spelling_with_a_singular_metric_and_the_config_as_args():
    text = """---
model_index:
- name: m
  results:
  - task: {name: Text Classification, type: text-classification}
    dataset: {name: glue, type: glue, args: sst2, split: validation}
    metric: {name: Accuracy, type: accuracy, value: 0.91, verified: true}
---
"""
    (result,), _ = model_index.read(card(text))
    assert (result.dataset.config, result.dataset.split, result.verified) == ("sst2", "validation", True)
    assert result.at == "model_index[0].results[0].metric"


def test_a_result_without_a_dataset_block_is_kept_with_no_dataset():
    text = "---\nmodel-index:\n- name: t\n  results:\n  - task: {type: question-answering}\n    metrics:\n    - {type: f1, value: 88.71}\n---\n"
    (result,), _ = model_index.read(card(text))
    assert result.dataset is None and result.value == 88.71


def test_a_model_index_of_the_wrong_shape_is_an_error_naming_the_key():
    with pytest.raises(CardImportError, match="'model-index' must be a list of models.*found a str"):
        model_index.read(card("---\nmodel-index: accuracy 0.9\n---\n"))


def test_entries_of_the_wrong_shape_are_skipped_with_the_reason():
    text = "---\nmodel-index:\n- name: m\n  results:\n  - just text\n  - task: {type: text-classification}\n    metrics:\n    - {type: accuracy}\n---\n"
    found, problems = model_index.read(card(text))
    assert found == []
    assert problems == [
        "model-index[0].results[0]: expected a mapping, found str; skipped",
        "model-index[0].results[1].metrics[0]: a metric needs 'type' and 'value', found {'type': 'accuracy'}; skipped",
    ]


def test_a_table_yields_one_result_per_metric_and_column_with_its_line():
    found, _ = tables.read(card(INTEL))
    assert [(f.metric, f.column, f.value) for f in found] == [
        ("Accuracy (eval-accuracy)", "PyTorch INT8", "0.9037"),
        ("Accuracy (eval-accuracy)", "ONNX INT8", "0.9071"),
        ("Accuracy (eval-accuracy)", "FP32", "0.9106"),
        ("Model size (MB)", "PyTorch INT8", "65"),
        ("Model size (MB)", "ONNX INT8", "89"),
        ("Model size (MB)", "FP32", "255"),
    ]
    assert found[0].at == "README.md line 14" and INTEL.splitlines()[13].startswith("| **Accuracy")


def test_a_table_of_metrics_per_column_splits_em_f1_and_skips_labels():
    text = "| Model | Model Size | SQuADv1.1 (EM/F1) | MNLI-m (Acc) |\n|---|---|---|---|\n| 90% Sparse | Large | 83.35/90.20 | 83.74 |\n"
    found, _ = tables.read(card(text))
    assert [(f.metric, f.value, f.dataset.name, f.column) for f in found] == [
        ("EM", "83.35", "SQuADv1.1", "90% Sparse"),
        ("F1", "90.20", "SQuADv1.1", "90% Sparse"),
        ("Acc", "83.74", "MNLI-m", "90% Sparse"),
    ]


def test_the_trainers_per_epoch_log_is_not_a_claim():
    text = """This model is a fine-tuned version of [x](y) on the clinc_oos dataset.
It achieves the following results on the evaluation set:
- Loss: 0.7872
- Accuracy: 0.9206

### Training results

| Training Loss | Epoch | Validation Loss | Accuracy |
|:---:|:---:|:---:|:---:|
| 0.7711 | 5.0 | 0.7872 | 0.9206 |
"""
    assert tables.read(card(text)) == ([], [])
    found, _ = trainer_text.read(card(text))
    assert [(f.metric, f.value, f.evaluation_set) for f in found] == [("Loss", "0.7872", True), ("Accuracy", "0.9206", True)]
    assert found[0].dataset.id == "clinc_oos" and found[0].at == "README.md line 3"


def test_eval_results_entries_read_the_metric_and_split_from_their_notes():
    files = (
        (".eval_results/harness.yaml", "- dataset: {id: nyu-mll/glue, task_id: sst2, revision: abc}\n  value: 0.91\n"
         "  notes: accuracy on sst2/validation, backend torch\n  verifyToken: t\n"),
        (".eval_results/other.yaml", "- dataset: {id: cais/hle, task_id: default}\n  value: 20.9\n"),
        (".eval_results/broken.yaml", "- dataset: [\n"),
    )  # fmt: skip
    found, problems = eval_results.read(card("# no front matter\n", eval_files=files))
    first, second = found
    assert (first.metric, first.dataset.id, first.dataset.config, first.dataset.split) == (
        "accuracy", "nyu-mll/glue", "sst2", "validation")  # fmt: skip
    assert first.verified and first.dataset.revision == "abc"
    assert second.metric == "task 'default'" and second.dataset.split is None
    assert problems and problems[0].startswith(".eval_results/broken.yaml: not valid YAML")


def test_a_card_without_front_matter_reads_as_body_only():
    found = card("# A model\n\nNo metadata here.\n")
    assert (found.front, found.has_front_matter) == ({}, False)


def test_broken_front_matter_names_its_line_and_the_fix():
    with pytest.raises(CardImportError, match=r"README.md: the front matter is not valid YAML at line 4 .*--readme"):
        card("---\nlicense: mit\nmodel-index: [\n  - {a: 1\n---\n# body\n")


def test_front_matter_that_is_not_a_mapping_and_an_empty_card_are_errors():
    with pytest.raises(CardImportError, match="must be a mapping of keys .* found a list"):
        card("---\n- a\n- b\n---\n")
    with pytest.raises(CardImportError, match="the card is empty"):
        card("  \n")
