"""An artifact's size as the model cards state it: MiB of the file a user downloads or saves."""

from __future__ import annotations

import tempfile
from pathlib import Path

MIB = 2**20


def file_mib(path: Path) -> float:
    return path.stat().st_size / MIB


def state_dict_mib(folder: Path, task: str) -> float:
    """MiB of ``torch.save(model.state_dict())``, the convention of the cards' PyTorch sizes."""
    import torch

    from harness.backends.torch import AUTO_CLASSES

    model = AUTO_CLASSES[task].from_pretrained(folder, local_files_only=True)
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "state_dict.bin"
        torch.save(model.state_dict(), target)
        return file_mib(target)


def measure(folder: Path, *, backend: str, task: str, file: str | None) -> tuple[float, str]:
    """The size and a sentence saying what was measured."""
    if file:
        return file_mib(folder / file), f"size of {file} on disk"
    if backend == "torch":
        return state_dict_mib(folder, task), "size of torch.save(model.state_dict())"
    raise ValueError(f"a {backend} size claim must name its file (file: ...) in the card")
