"""--harness-threads reaches both runtimes: torch's intra-op threads and ONNX Runtime's session."""

from __future__ import annotations

import pytest
import torch

from harness.latency import threads
from harness.loading import Settings, open_model, resolve_model
from harness.locations import resolve_hub
from harness.registry import load_registry


@pytest.fixture
def restore_torch_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_one_thread_when_asked(replica_root, tmp_path, restore_torch_threads, backend):
    resolved = resolve_hub(str(replica_root), cache_dir=tmp_path)
    settings = Settings(location=resolved.location, work_dir=tmp_path / "work", threads=1,
                        expectations=resolved.expectations)  # fmt: skip
    claim = load_registry().by_id("mnli-matched-accuracy")
    torch.set_num_threads(2)
    predictor, _, _ = open_model(claim, backend, resolve_model(claim, settings.location), settings)
    assert threads(predictor) == 1  # what the latency records report
    if backend == "torch":
        assert torch.get_num_threads() == 1
    else:
        assert predictor.session.get_session_options().intra_op_num_threads == 1
