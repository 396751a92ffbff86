"""Backend pairs from the cards, the comparison of two sides' answers, and McNemar's exact test."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.claims.cards import load_registry
from harness.contracts import parity

SST2_FP32 = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
SST2_INT8 = "Intel/distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc"


def described(pairs):
    return {
        (p.candidate.claim.model.repo, p.candidate.backend, p.reference.claim.model.repo, p.reference.backend, p.kind)
        for p in pairs
    }


def test_pairs_hold_every_other_backend_to_torch_and_a_quantized_model_to_its_source():
    found = described(parity.pairs(load_registry()))
    assert (SST2_FP32, "onnx", SST2_FP32, "torch", "fp32") in found
    assert (SST2_INT8, "onnx", SST2_FP32, "torch", "int8") in found  # model.onnx against the FP32 model
    assert (SST2_INT8, "inc", SST2_FP32, "torch", "int8") in found
    assert ("typeform/distilbert-base-uncased-mnli", "onnx", "typeform/distilbert-base-uncased-mnli", "torch",
            "fp32") in found  # fmt: skip
    assert (SST2_FP32, "openvino", SST2_FP32, "torch", "fp32") in found  # the OpenVINO export, FP32 as torch
    assert all(backend != "torch" for _, backend, _, _, _ in found)  # torch is the reference, never a candidate
    assert ("dslim/bert-base-NER", "openvino", "dslim/bert-base-NER", "torch", "fp32") in found
    assert len(found) == 12  # five FP32 models on onnx and openvino each, Intel's INT8 model on onnx and inc


def test_selecting_a_backend_keeps_the_torch_reference():
    found = described(parity.pairs(load_registry(), models=[SST2_INT8], backends=["inc"]))
    assert found == {(SST2_INT8, "inc", SST2_FP32, "torch", "int8")}


def test_compare_logits_counts_top1_agreement_and_the_largest_drift():
    reference = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.4]])
    candidate = reference + np.array([[0.0, 0.0], [0.0, 0.0], [-0.2, 0.0]])  # the last row flips
    compared = parity.compare_logits(candidate, reference)
    assert (compared.n, compared.agreeing) == (3, 2)
    assert compared.max_logit_difference == pytest.approx(0.2)
    with pytest.raises(ValueError, match="cannot be compared"):
        parity.compare_logits(candidate[:2], reference)


def exact_mcnemar(b: int, c: int) -> float:
    """The textbook definition: twice the smaller binomial tail of the discordant pairs at p = 1/2."""
    n = b + c
    tail = sum(math.comb(n, k) for k in range(min(b, c) + 1)) / 2**n
    return min(1.0, 2 * tail)


@pytest.mark.parametrize(("b", "c"), [(0, 0), (1, 0), (3, 12), (12, 3), (25, 25), (40, 61), (0, 9)])
def test_mcnemar_is_the_exact_binomial_test_on_discordant_examples(b, c):
    candidate = np.array([True] * b + [False] * c + [True] * 7 + [False] * 5)
    reference = np.array([False] * b + [True] * c + [True] * 7 + [False] * 5)
    only_candidate, only_reference, p_value = parity.mcnemar(candidate, reference)
    assert (only_candidate, only_reference) == (b, c)
    assert p_value == pytest.approx(exact_mcnemar(b, c) if b + c else 1.0, rel=1e-9)


def test_a_lopsided_split_is_significant():
    # 3 against 17 discordant examples: p = 0.0026 (two-sided exact), significant at 1%.
    _, _, p_value = parity.mcnemar(np.array([True] * 3 + [False] * 17), np.array([False] * 3 + [True] * 17))
    assert p_value == pytest.approx(0.002577, abs=1e-6)
