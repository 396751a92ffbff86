"""PyTorch INT8 checkpoints of Intel Neural Compressor, loaded with optimum-intel's INCModel classes.

Two formats exist. INC's current one stores the quantization config (``best_configure``) as plain
data inside ``pytorch_model.bin`` (plus ``inc_config.json``); torch's ``weights_only`` loader reads
it. Intel's 2022 checkpoints store it as a pickled INC object, which only a full unpickle reads:
that is done only for a file whose sha256 is pinned, or with ``--harness-allow-pickle``, and the
result is re-saved in the current format so it is unpickled once.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import torch

from harness.backends.base import ModelRequest, PickleRefused
from harness.backends.torch import TorchPredictor, input_names, use_threads
from harness.hub.lock import sha256_of as sha256

INC_CLASSES = {
    "text-classification": "INCModelForSequenceClassification",
    "text-pair-classification": "INCModelForSequenceClassification",
    "question-answering": "INCModelForQuestionAnswering",
    "token-classification": "INCModelForTokenClassification",
}
NEVER_UNPICKLED = ("training_args.bin",)  # pickles classes of a training script


@dataclass
class IncPredictor(TorchPredictor):
    """An INCModel runs like a torch module; it adds the checkpoint's size."""

    size_mib: float = 0.0  # of the checkpoint file, as the card measures it


def load(request: ModelRequest) -> IncPredictor:
    import optimum.intel

    use_threads(request.threads)
    checkpoint = request.folder / (request.file or "pytorch_model.bin")
    folder, form = loadable_folder(checkpoint, request)
    model = getattr(optimum.intel, INC_CLASSES[request.task]).from_pretrained(folder)
    return IncPredictor(
        model=model,
        id2label=dict(model.config.id2label),
        input_names=input_names(model.model),
        description=f"inc int8 {checkpoint.name} ({form})",
        size_mib=checkpoint.stat().st_size / 2**20,
    )


def vet(request: ModelRequest) -> None:
    """Raise PickleRefused when the request's checkpoint needs a full unpickle nothing vouches for."""
    _needs_full_unpickle(request.folder / (request.file or "pytorch_model.bin"), request)


def _needs_full_unpickle(checkpoint: Path, request: ModelRequest) -> str | None:
    """The checkpoint's sha256 when it needs a (vouched-for) full unpickle, None when weights_only reads it."""
    if checkpoint.name in NEVER_UNPICKLED:
        raise PickleRefused(f"{checkpoint}: {checkpoint.name} pickles training-script classes and is never loaded")
    # The pickle's opcodes name every global it needs; none beyond torch's safe list means the
    # current format, which optimum-intel loads with weights_only (no tensors are read here).
    unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(checkpoint)
    if not unsafe:
        return None
    digest = sha256(checkpoint)
    if digest not in request.trusted_sha256 and not request.allow_pickle:
        raise PickleRefused(
            f"{checkpoint} stores {', '.join(unsafe)} that only a full unpickle can read, and unpickling can run "
            f"code. Its sha256 {digest} is neither pinned by the lock nor a file this harness built. Pin it "
            "(harness lock) or, if you trust this file, pass --harness-allow-pickle."
        )
    return digest


def loadable_folder(checkpoint: Path, request: ModelRequest) -> tuple[Path, str]:
    """The folder optimum-intel can load, converting a 2022-format checkpoint once (if trusted)."""
    digest = _needs_full_unpickle(checkpoint, request)
    if digest is None:
        return checkpoint.parent, "INC current format"
    target = request.work_dir / "inc-converted" / digest
    if not (target / checkpoint.name).exists():
        _convert(checkpoint, target)
    return target, "Intel 2022 format, converted"


def _convert(checkpoint: Path, target: Path) -> None:
    # Trusted above: its hash is pinned or the user vouched for it. Allow-listing the class instead
    # does not work here: the 2022 config is a dict subclass, which weights_only cannot rebuild.
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    state["best_configure"] = _plain(state["best_configure"])
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    torch.save(state, staging / checkpoint.name)
    for item in checkpoint.parent.iterdir():
        if item.suffix in (".json", ".txt") and item.name not in NEVER_UNPICKLED:
            shutil.copy2(item, staging / item.name)
    staging.rename(target)


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item) for item in value) if type(value) in (list, tuple) else list(value)
    return value
