"""Train a replica stand-in briefly: random batches, each trimmed to its longest row."""

from __future__ import annotations

from collections.abc import Mapping


def fit(model, inputs: Mapping, targets: Mapping, *, steps: int, batch_size: int, lr: float, seed: int) -> None:
    """``inputs``: padded token tensors (with ``attention_mask``); ``targets``: per-row label tensors, or
    per-token ones (a tag per token) padded as the inputs are."""
    import torch

    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    rows = len(inputs["attention_mask"])
    model.train()
    for _ in range(steps):
        batch = torch.randint(0, rows, (batch_size,), generator=generator)
        width = int(inputs["attention_mask"][batch].sum(dim=1).max())
        loss = model(
            **{name: tensor[batch, :width] for name, tensor in inputs.items()},
            **{name: _rows(tensor, batch, width) for name, tensor in targets.items()},
        ).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()


def _rows(tensor, batch, width: int):
    """A target's rows of the batch; a per-token target trimmed to the batch's width as its inputs are."""
    return tensor[batch, :width] if tensor.dim() == 2 else tensor[batch]
