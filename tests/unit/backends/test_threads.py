"""--harness-threads reaches both runtimes: torch's intra-op threads and ONNX Runtime's session."""

from __future__ import annotations

import pytest
import torch

from harness.claims.cards import load_registry
from harness.evaluation.opening import open_model, resolve_model
from harness.evaluation.workload import threads


@pytest.fixture
def restore_torch_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_one_thread_when_asked(replica_root, replica_context, restore_torch_threads, backend):
    settings = replica_context(replica_root, threads=1)
    claim = load_registry().by_id("mnli-matched-accuracy")
    torch.set_num_threads(2)
    predictor, _, _ = open_model(claim, backend, resolve_model(claim, settings.location), settings)
    assert threads(predictor) == 1  # what the latency records report
    if backend == "torch":
        assert torch.get_num_threads() == 1
    else:
        assert predictor.session.get_session_options().intra_op_num_threads == 1
