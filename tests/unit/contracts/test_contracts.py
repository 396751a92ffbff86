"""The contract helpers: what a backend's logits must look like, and telling an artifact's arithmetic apart."""

from __future__ import annotations

import numpy as np
import pytest

from harness.contracts import rules as contracts
from harness.replica.tiny import snapshot_folder

INT8 = "Intel/distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc"


def test_ordinary_logits_are_well_formed():
    logits = np.array([[1000.0, -1000.0], [0.1, 0.2], [-3.0, 2.5]], dtype=np.float32)
    assert contracts.logit_problems(logits, rows=3, classes=2) == []


@pytest.mark.parametrize(("bad", "message"), [(np.nan, "not finite"), (np.inf, "not finite")])
def test_broken_logits_are_reported_by_row(bad, message):
    logits = np.array([[0.1, 0.2], [bad, 0.0]])
    (problem,) = contracts.logit_problems(logits, rows=2, classes=2)
    assert problem.startswith("row 1:") and message in problem


@pytest.mark.parametrize(
    ("logits", "message"),
    [
        (np.zeros((2, 3)), "shape (2, 3), not (2, 2)"),  # a column the config does not name
        (np.zeros((1, 2)), "shape (1, 2), not (2, 2)"),  # an input without its row
        (np.zeros((2, 2), dtype=np.int64), "not floating point"),
    ],
)
def test_logits_of_the_wrong_shape_or_kind_are_named(logits, message):
    (problem,) = contracts.logit_problems(logits, rows=2, classes=2)
    assert message in problem


def test_the_replicas_onnx_int8_file_is_recognised_as_statically_quantized(replica_root, tmp_path):
    # Intel's model.onnx is static QOperator INT8, and so is its stand-in (QLinearMatMul, fixed scales)
    assert contracts.precision("onnx", snapshot_folder(replica_root, INT8) / "model.onnx") == "static-int8"
    assert contracts.precision("onnx", None) == "fp32"  # an export of the PyTorch weights
    assert contracts.precision("inc") == "static-int8"
    # `harness eval --backend onnx-int8` quantizes dynamically: activation scales computed per batch
    import onnx
    from onnx import TensorProto, helper

    node = helper.make_node("DynamicQuantizeLinear", ["x"], ["y", "scale", "zero"])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.UINT8, [1])])  # fmt: skip
    onnx.save(helper.make_model(graph), str(tmp_path / "dynamic.onnx"))
    assert contracts.precision("onnx", tmp_path / "dynamic.onnx") == "dynamic-int8"
