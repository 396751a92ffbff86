"""The variants in other arithmetic than a card's: torch-fp16 and openvino-int8 compute in what they say,
stay close to FP32 by their precision's bounds, join contracts and parity only when a run names them,
and never stand in a card's claims."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("optimum.intel.openvino", reason="the openvino extra: pip install 'harness[openvino]'")

from harness.backends.base import ModelRequest, load_predictor  # noqa: E402
from harness.claims.cards import load_registry  # noqa: E402
from harness.claims.schema import CardError  # noqa: E402
from harness.claims.selection import targets  # noqa: E402
from harness.contracts import parity, rules  # noqa: E402
from harness.replica.tiny import snapshot_folder  # noqa: E402

SST2_FP32 = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
SST2_INT8 = "Intel/distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc"
TEXTS = ["a long sentence of several words about a film", "short", "the plot was dull and the acting worse"]


def batch_of(folder, predictor):
    from transformers import AutoTokenizer

    encoded = AutoTokenizer.from_pretrained(folder)(TEXTS, padding=True)
    return {name: np.array(encoded[name]) for name in predictor.input_names}


def test_torch_fp16_computes_in_half_precision_and_returns_fp32_logits_near_torchs(replica_root, tmp_path):
    folder = snapshot_folder(replica_root, SST2_FP32)
    request = ModelRequest(folder=folder, task="text-classification", file=None, work_dir=tmp_path)
    half, full = load_predictor("torch-fp16", request), load_predictor("torch", request)
    assert half.description == "torch fp16" and {str(p.dtype) for p in half.model.parameters()} == {"torch.float16"}
    batch = batch_of(folder, half)
    mine, theirs = half.logits(batch), full.logits(batch)
    assert mine.dtype == np.float32
    drift = float(np.abs(mine - theirs).max())
    assert 0 < drift <= parity.LOGIT_TOLERANCE["fp16"]  # rounded, so not FP32's numbers, but near them


def test_openvino_int8_compresses_the_weights_of_its_own_export(replica_root, tmp_path):
    import openvino

    folder = snapshot_folder(replica_root, SST2_FP32)
    request = ModelRequest(folder=folder, task="text-classification", file=None, work_dir=tmp_path)
    compressed, full = load_predictor("openvino-int8", request), load_predictor("openvino", request)
    assert compressed.description == "openvino int8 weights (NNCF, exported)"
    exports = sorted(p.name for p in (tmp_path / "openvino-exports").iterdir())
    assert len(exports) == 2 and exports[1] == exports[0] + "-int8-weights"  # kept apart from the FP32 export

    def weight_types(name):
        model = openvino.Core().read_model(tmp_path / "openvino-exports" / name / "openvino_model.xml")
        return {op.get_element_type().get_type_name() for op in model.get_ops() if op.get_type_name() == "Constant"}

    assert "u8" in weight_types(exports[1]) and "u8" not in weight_types(exports[0])
    batch = batch_of(folder, full)
    mine, theirs = compressed.logits(batch), full.logits(batch)
    assert (mine.argmax(axis=1) == theirs.argmax(axis=1)).all() and not np.allclose(mine, theirs, atol=1e-5)


def test_variants_join_only_when_a_run_names_them_and_pair_with_torch_by_their_precision():
    registry = load_registry()
    assert not {t.backend for t in targets(registry)} & {"torch-fp16", "openvino-int8"}
    named = targets(registry, backends=["torch-fp16", "openvino-int8"])
    assert {(t.claim.model.repo, t.backend) for t in named} >= {(SST2_FP32, "torch-fp16"), (SST2_FP32, "openvino-int8")}
    assert all(t.claim.model.repo != SST2_INT8 for t in named)  # made from a checkpoint, never from a card's file
    kinds = {(p.candidate.backend, p.reference.backend, p.kind)
             for p in parity.pairs(registry, backends=["torch-fp16", "openvino-int8"])}  # fmt: skip
    assert kinds == {("torch-fp16", "torch", "fp16"), ("openvino-int8", "torch", "int8-weights")}
    assert (rules.precision("torch-fp16"), rules.precision("openvino-int8")) == ("fp16", "int8-weights")


def test_a_card_claim_on_a_variant_is_refused_naming_the_backend_to_list(tmp_path):
    source = load_registry().claims[0].card_file
    text = open(source).read().replace("backends: [torch, onnx, openvino]", "backends: [torch-fp16]", 1)
    card = tmp_path / "card.yaml"
    card.write_text(text)
    with pytest.raises(CardError, match=r"'torch-fp16' is a variant .* list 'torch' instead"):
        load_registry(paths=[card])
