"""The contract helpers: probabilities from logits, and telling an artifact's arithmetic apart."""

from __future__ import annotations

import numpy as np
import pytest

from harness import contracts
from harness.replica import snapshot_folder

INT8 = "Intel/distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc"


def test_probabilities_of_ordinary_logits_are_well_formed():
    logits = np.array([[1000.0, -1000.0], [0.1, 0.2], [-3.0, 2.5]], dtype=np.float32)
    assert contracts.probability_problems(logits) == []
    assert contracts.softmax(logits).sum(axis=1) == pytest.approx([1, 1, 1], abs=1e-12)


@pytest.mark.parametrize(("bad", "message"), [(np.nan, "not finite"), (np.inf, "not finite")])
def test_broken_logits_are_reported_by_row(bad, message):
    logits = np.array([[0.1, 0.2], [bad, 0.0]])
    (problem,) = contracts.probability_problems(logits)
    assert problem.startswith("row 1:") and message in problem


def test_the_replicas_onnx_int8_file_is_recognised_as_dynamically_quantized(replica_root):
    assert contracts.precision("onnx", snapshot_folder(replica_root, INT8) / "model.onnx") == "dynamic-int8"
    assert contracts.precision("onnx", None) == "fp32"  # an export of the PyTorch weights
    assert contracts.precision("inc") == "static-int8"
