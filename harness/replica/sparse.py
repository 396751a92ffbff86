"""A stand-in for a pruned checkpoint: a small BERT whose encoder Linear weights are pruned by
magnitude to the card's sparsity, as Prune-OFA prunes (unstructured, embeddings untouched)."""

from __future__ import annotations

import math
from pathlib import Path


def pruned_model(folder: Path, repo: str, vocab: Path, *, fraction: float, seed: int) -> Path:
    import torch
    from transformers import BertForMaskedLM

    from harness.measures.sparsity import is_encoder_linear
    from harness.replica import mirror as replica_mirror
    from harness.replica.text import tiny_bert

    tokenizer, config = tiny_bert(vocab, **replica_mirror.behaviour(repo))
    torch.manual_seed(seed)
    model = BertForMaskedLM(config)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if is_encoder_linear(name, parameter.detach().numpy()):
                prune = math.ceil(fraction * parameter.numel())
                smallest = parameter.abs().flatten().argsort()[:prune]
                parameter.view(-1)[smallest] = 0.0
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    replica_mirror.dress(folder, repo)
    return folder
