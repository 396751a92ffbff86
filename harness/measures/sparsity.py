"""Unstructured sparsity as the Prune-OFA card states it: zeros in every encoder ``nn.Linear``
weight, embeddings and the masked-LM head (``cls``) excluded."""

from __future__ import annotations

from pathlib import Path

import numpy as np

# The weights of a BERT encoder's nn.Linear layers (query, key, value, attention output,
# intermediate, output): two-dimensional, under "encoder.", not a LayerNorm.


def is_encoder_linear(name: str, array: np.ndarray) -> bool:
    return array.ndim == 2 and ".encoder." in f".{name}" and name.endswith(".weight") and "LayerNorm" not in name


def encoder_linear_weights(folder: Path) -> dict[str, np.ndarray]:
    """The encoder's Linear weights from the snapshot's safetensors (or, failing that, its .bin)."""
    safetensors = sorted(folder.glob("*.safetensors"))
    if safetensors:
        from safetensors.numpy import load_file

        tensors = {name: array for path in safetensors for name, array in load_file(str(path)).items()}
    else:
        import torch

        state = torch.load(folder / "pytorch_model.bin", map_location="cpu", weights_only=True)
        tensors = {name: value.float().numpy() for name, value in state.items() if hasattr(value, "numpy")}
    found = {name: array for name, array in tensors.items() if is_encoder_linear(name, array) and "cls." not in name}
    if not found:
        raise ValueError(f"{folder}: no encoder nn.Linear weights (2-D '*.encoder.*.weight' tensors) to measure")
    return found


def zero_fractions(weights: dict[str, np.ndarray]) -> dict[str, float]:
    return {name: float(np.count_nonzero(array == 0) / array.size) for name, array in weights.items()}
