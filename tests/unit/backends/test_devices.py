"""Device requests: parsed, settled per backend, and refused with the reason where the device is not here."""

from __future__ import annotations

import pytest

from harness.backends import devices
from harness.backends.devices import DeviceMissing, parse, settle
from harness.machine import cpu_model


@pytest.mark.parametrize(("value", "parsed"), [("cpu", "cpu"), ("AUTO", "auto"), ("cuda", "cuda:0"), ("cuda:1", "cuda:1")])
def test_requests_are_read_in_one_form(value, parsed):
    assert parse(value) == parsed


def test_under_torchrun_cuda_and_auto_take_the_ranks_own_gpu(monkeypatch):
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setattr(devices, "_cuda_devices", lambda backend: ["NVIDIA H200", "NVIDIA H100"])
    assert parse("cuda") == "cuda:1" and parse("cuda:0") == "cuda:0"  # an explicit index stays as asked
    assert settle("auto", "torch").describe() == settle("cuda", "onnx").describe() == "cuda:1 (NVIDIA H100)"


@pytest.mark.parametrize("value", ["gpu", "cuda:x", "cuda:-1", "mps"])
def test_other_requests_are_refused_saying_what_is_allowed(value):
    with pytest.raises(ValueError, match=rf"expected a device: cpu, cuda, cuda:N or auto; found '{value}'"):
        parse(value)


def test_without_a_gpu_cpu_and_auto_settle_on_the_cpu_and_cuda_is_refused(monkeypatch):
    monkeypatch.setattr(devices, "_cuda_devices", lambda backend: [])
    assert settle("cpu", "torch") == settle("auto", "onnx") == devices.Device("cpu", cpu_model())
    with pytest.raises(DeviceMissing, match=r"--harness-device cuda:0: torch sees no CUDA device here \(torch.cuda"):
        settle("cuda:0", "torch")
    with pytest.raises(DeviceMissing, match=r"ONNX Runtime has no CUDA execution provider here.*harness\[onnx-gpu\]"):
        settle("cuda:0", "onnx")
    with pytest.raises(DeviceMissing, match="the inc backend runs on the CPU only"):
        settle("cuda:0", "inc")


def test_on_this_machine_the_answer_comes_from_torch_itself():
    import torch

    if torch.cuda.is_available():
        assert settle("auto", "torch").name == "cuda:0"
    else:
        assert settle("auto", "torch").name == "cpu"
        with pytest.raises(DeviceMissing):
            settle("cuda", "torch")


def test_with_gpus_auto_takes_the_first_and_a_missing_index_is_named(monkeypatch):
    monkeypatch.setattr(devices, "_cuda_devices", lambda backend: ["NVIDIA H200"] if backend != "inc" else [])
    assert settle("auto", "torch").describe() == "cuda:0 (NVIDIA H200)"
    assert settle("cuda:0", "onnx").describe() == "cuda:0 (NVIDIA H200)"
    assert settle("auto", "inc").name == "cpu"  # auto may settle on the CPU; an explicit cuda may not
    with pytest.raises(DeviceMissing, match=r"cuda:1: this machine has 1 CUDA device\(s\), numbered from 0"):
        settle("cuda:1", "torch")


def test_a_gpu_evaluation_is_cached_apart_from_the_cpus_and_from_another_gpu_model(tmp_path, monkeypatch):
    from harness.claims.cards import load_registry
    from harness.evaluation.evaluate import prediction_key
    from harness.hub.resolve import Snapshot

    claim = load_registry().by_id("sst2-fp32-accuracy")
    snapshot = Snapshot(repo="r", repo_type="model", revision="abc", path=tmp_path)

    def key(request: str, gpus: list[str]) -> str:
        monkeypatch.setattr(devices, "_cuda_devices", lambda backend: gpus)
        return prediction_key(claim, "torch", snapshot, snapshot, [0, 1], settle(request, "torch"))

    cpu = prediction_key(claim, "torch", snapshot, snapshot, [0, 1])
    # the device it settles on decides the key, not the request: "auto" without a GPU is the CPU
    assert key("cpu", []) == key("auto", []) == cpu
    assert key("auto", ["NVIDIA H200"]) == key("cuda:0", ["NVIDIA H200"]) != cpu
    assert key("cuda:0", ["NVIDIA A100"]) != key("cuda:0", ["NVIDIA H200"])
