"""PyTorch FP32 through the transformers Auto classes."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import torch
import transformers

from harness.backends.base import ModelRequest

AUTO_CLASSES = {
    "text-classification": transformers.AutoModelForSequenceClassification,
    "text-pair-classification": transformers.AutoModelForSequenceClassification,
    "question-answering": transformers.AutoModelForQuestionAnswering,
}


@dataclass
class TorchPredictor:
    model: torch.nn.Module
    id2label: Mapping[int, str]
    input_names: tuple[str, ...]
    description: str = field(default="torch fp32")
    device: str = "cpu"

    def logits(self, batch: Mapping[str, np.ndarray]) -> np.ndarray | tuple[np.ndarray, ...]:
        tensors = {name: torch.from_numpy(batch[name]).to(self.device) for name in self.input_names}
        with torch.inference_mode():
            output = self.model(**tensors)
        if "start_logits" in output:
            return output.start_logits.cpu().numpy(), output.end_logits.cpu().numpy()
        return output.logits.cpu().numpy()


def load(request: ModelRequest) -> TorchPredictor:
    use_threads(request.threads)
    auto = AUTO_CLASSES[request.task]
    # use_safetensors=None prefers model.safetensors and falls back to a .bin, which torch then
    # loads with weights_only=True (transformers' default on torch >= 2.6).
    model = auto.from_pretrained(request.folder, local_files_only=True, trust_remote_code=False).eval()
    model = model.to(request.device)
    where = "" if request.device == "cpu" else f" on {request.device}"
    return TorchPredictor(model=model, id2label=dict(model.config.id2label), input_names=input_names(model),
                          description=f"torch fp32{where}", device=request.device)  # fmt: skip


def use_threads(threads: int | None) -> None:
    """torch's intra-op threads are per process: the last model loaded sets them for all."""
    if threads:
        torch.set_num_threads(threads)


def input_names(module: torch.nn.Module) -> tuple[str, ...]:
    """The tokenizer outputs ``module.forward`` accepts (DistilBERT takes no token_type_ids)."""
    accepted = inspect.signature(module.forward).parameters
    return tuple(n for n in ("input_ids", "attention_mask", "token_type_ids") if n in accepted)
