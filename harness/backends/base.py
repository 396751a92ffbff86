"""What every backend provides, and the lazy table that finds a backend by name."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from harness.errors import CannotCheck, Refused

# "module:attr" targets keep `import harness` free of torch and onnxruntime.
LOADERS: dict[str, str] = {
    "torch": "harness.backends.torch:load",
    "onnx": "harness.backends.onnx:load",
    "inc": "harness.backends.inc:load",
    "openvino": "harness.backends.openvino:load",
    "torch-fp16": "harness.backends.torch:load_fp16",
    "openvino-int8": "harness.backends.openvino:load_int8",
}
# The imports that prove a backend's runtime is installed, and where to get it. optimum's modules
# import lazily, so the runtime itself is named too.
RUNTIMES: dict[str, tuple[str, str]] = {
    "torch": ("transformers", "pip install 'harness[torch]' (or run `tox -e torch`)"),
    "onnx": ("onnxruntime optimum.onnxruntime", "pip install 'harness[onnx]' (or run `tox -e onnx`)"),
    # Intel Neural Compressor needs transformers 4.45 and numpy < 2: an environment of its own.
    "inc": (
        "neural_compressor optimum.intel.neural_compressor",
        "run `tox -e inc`, which builds the pinned legacy environment it needs",
    ),
    "openvino": ("openvino optimum.intel.openvino", "pip install 'harness[openvino]'"),
    "torch-fp16": ("transformers", "pip install 'harness[torch]' (or run `tox -e torch`)"),
    "openvino-int8": ("openvino optimum.intel.openvino nncf", "pip install 'harness[openvino]'"),
}


class BackendUnavailable(CannotCheck, RuntimeError):
    """The backend's runtime is not installed in this environment."""


class PickleRefused(Refused, RuntimeError):
    """A checkpoint needs a full unpickle (which can run code) and nothing vouches for it."""


@dataclass(frozen=True, kw_only=True)
class ModelRequest:
    folder: Path  # a local snapshot folder with config, tokenizer and weights
    task: str
    file: str | None  # a specific weights file the claim names, e.g. model.onnx
    work_dir: Path  # where a backend may keep derived artifacts (exports), keyed by content
    # sha256 digests of files known to be what was pinned (the lock, or files the replica built):
    # only those may be unpickled beyond torch's weights_only loader.
    trusted_sha256: frozenset[str] = frozenset()
    allow_pickle: bool = False  # --harness-allow-pickle: the user vouches for every file
    threads: int | None = None  # intra-op threads (--harness-threads); None: the runtime's own default
    device: str = "cpu"  # "cpu" or "cuda:N", settled by backends.devices for this backend


class Predictor(Protocol):
    """A loaded model: numpy inputs in, numpy logits out."""

    id2label: Mapping[int, str]
    input_names: tuple[str, ...]
    description: str

    def logits(self, batch: Mapping[str, np.ndarray]) -> np.ndarray | tuple[np.ndarray, ...]: ...


def unavailable_reason(name: str) -> str | None:
    """None when the backend can run here, else a sentence saying what to install."""
    if name not in LOADERS:
        return f"backend {name!r} has no implementation in this version of harness"
    modules, how = RUNTIMES[name]
    for module in modules.split():
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name is not None and f"{module}.".startswith(f"{exc.name}."):  # the module itself, or its package
                return f"backend {name!r} is not installed in this environment ({module} is missing); {how}"
            return _broken(name, module, exc)
        except Exception as exc:  # an import can fail with more than ImportError (broken pins)
            return _broken(name, module, exc)
    return None


def _broken(name: str, module: str, exc: Exception) -> str:
    return (
        f"backend {name!r} is installed but cannot load: importing {module} raised {type(exc).__name__}: {exc}; "
        "reinstall it (pip install -e '.[test]'), or run with --harness-strict to fail rather than skip"
    )


def require(name: str) -> None:
    """Raise BackendUnavailable, saying what to install, when the backend cannot run here."""
    reason = unavailable_reason(name)
    if reason:
        raise BackendUnavailable(reason)


# Backends whose checkpoints may need more than loading to be safe: checked before any cached result
# of the checkpoint is used.
VETTERS: dict[str, str] = {"inc": "harness.backends.inc:vet"}


def vet(name: str, request: ModelRequest) -> None:
    """Raise PickleRefused when the backend would refuse to load the request's checkpoint."""
    if name in VETTERS:
        module, attr = VETTERS[name].split(":")
        getattr(importlib.import_module(module), attr)(request)


def load_predictor(name: str, request: ModelRequest) -> Predictor:
    require(name)
    module, attr = LOADERS[name].split(":")
    return getattr(importlib.import_module(module), attr)(request)
