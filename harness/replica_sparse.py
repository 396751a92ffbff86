"""A stand-in for a pruned checkpoint: a small BERT whose encoder Linear weights are pruned by
magnitude to the card's sparsity, as Prune-OFA prunes (unstructured, embeddings untouched)."""

from __future__ import annotations

import math
from pathlib import Path


def pruned_model(folder: Path, vocab: Path, *, fraction: float, seed: int) -> Path:
    import torch
    from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

    from harness.sparsity import is_encoder_linear

    tokenizer = BertTokenizerFast(str(vocab / "vocab.txt"), do_lower_case=True, model_max_length=512)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=128,
        max_position_embeddings=512,
    )
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
    return folder
