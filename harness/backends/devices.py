"""Where a backend runs: ``cpu``, ``cuda``, ``cuda:N`` or ``auto``, asked for once and settled per backend.

A run asks for a device (``--harness-device``, ``harness eval --device``); each backend settles it to
one it can use here, or says why it cannot. Nothing falls back silently: a claim asked to run on CUDA
where there is none is skipped with the reason (failed under ``--harness-strict``). ``auto`` is the one
request that may settle on the CPU, and the verdict names the device it ran on either way.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from harness.errors import CannotCheck
from harness.machine import cpu_model

REQUESTS = "cpu, cuda, cuda:N or auto"
# Backends that can run on a CUDA device, and how each finds one.
CUDA_BACKENDS = ("torch", "onnx", "torch-fp16")


class DeviceMissing(CannotCheck, RuntimeError):
    """The device asked for is not here, or the backend cannot use it."""


@dataclass(frozen=True)
class Device:
    name: str  # "cpu" or "cuda:N"
    model: str  # the CPU's or GPU's model, as reports name it

    def describe(self) -> str:
        return f"{self.name} ({self.model})"


def parse(value: str) -> str:
    """The request in its canonical form ("cuda" is "cuda:0", or under torchrun the rank's own GPU,
    ``cuda:$LOCAL_RANK``); ValueError says what is allowed."""
    text = value.strip().lower()
    if text in ("cpu", "auto"):
        return text
    found = re.fullmatch(r"cuda(?::(\d+))?", text)
    if found is None:
        raise ValueError(f"expected a device: {REQUESTS}; found {value!r}")
    return f"cuda:{found.group(1) or local_rank()}"


def local_rank() -> int:
    """This process's rank on its machine under torchrun (LOCAL_RANK), else 0: each rank takes its own GPU."""
    return int(os.environ.get("LOCAL_RANK", "0"))


def settle(request: str, backend: str) -> Device:
    """The device ``backend`` runs on for ``request``; DeviceMissing when it cannot run there."""
    request = parse(request)
    if request == "cpu":
        return Device("cpu", cpu_model())
    found = _cuda_devices(backend)
    if request == "auto":
        rank = local_rank() if len(found) > local_rank() else 0
        return Device(f"cuda:{rank}", found[rank]) if found else Device("cpu", cpu_model())
    index = int(request.split(":")[1])
    if backend not in CUDA_BACKENDS:
        raise DeviceMissing(f"--harness-device {request}: the {backend} backend runs on the CPU only")
    if index >= len(found):
        raise DeviceMissing(f"--harness-device {request}: {_why_missing(backend, len(found))}; "
                            "run on `cpu`, or `auto` to take a GPU where there is one")  # fmt: skip
    return Device(request, found[index])


def _cuda_devices(backend: str) -> list[str]:
    """The CUDA devices ``backend`` can use here, by model name."""
    if backend not in CUDA_BACKENDS:
        return []
    import torch  # onnxruntime-gpu names no devices; torch, installed beside it, counts them

    if not torch.cuda.is_available():
        return []
    if backend == "onnx":
        import onnxruntime

        if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
            return []
    return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]


def _why_missing(backend: str, count: int) -> str:
    if count:
        return f"this machine has {count} CUDA device(s), numbered from 0"
    if backend == "onnx":
        return ("ONNX Runtime has no CUDA execution provider here (it needs a GPU and onnxruntime-gpu: "
                "pip install 'harness[onnx-gpu]')")  # fmt: skip
    return "torch sees no CUDA device here (torch.cuda.is_available() is False)"
