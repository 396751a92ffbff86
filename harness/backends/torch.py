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
    "token-classification": transformers.AutoModelForTokenClassification,
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
        # FP32 out whatever the model computed in: the scores and bounds downstream are FP32 arithmetic
        if "start_logits" in output:
            return output.start_logits.float().cpu().numpy(), output.end_logits.float().cpu().numpy()
        return output.logits.float().cpu().numpy()


def load(request: ModelRequest, *, dtype: torch.dtype = torch.float32) -> TorchPredictor:
    use_threads(request.threads)
    auto = AUTO_CLASSES[request.task]
    # use_safetensors=None prefers model.safetensors and falls back to a .bin, which torch then
    # loads with weights_only=True (transformers' default on torch >= 2.6).
    half = {"dtype": dtype} if dtype != torch.float32 else {}  # FP32 loads as it always has (transformers 4.45 too)
    model = auto.from_pretrained(request.folder, local_files_only=True, trust_remote_code=False, **half).eval()
    model = model.to(request.device)
    where = "" if request.device == "cpu" else f" on {request.device}"
    precision = "fp16" if dtype == torch.float16 else "fp32"
    return TorchPredictor(model=model, id2label=dict(model.config.id2label), input_names=input_names(model),
                          description=f"torch {precision}{where}", device=request.device)  # fmt: skip


def load_fp16(request: ModelRequest) -> TorchPredictor:
    """The torch-fp16 variant: the checkpoint's weights cast to half precision, every op in fp16 (on the
    CPU too, where it is slow: it is there for parity and for GPU runners, not for speed on a CPU)."""
    return load(request, dtype=torch.float16)


def use_threads(threads: int | None) -> None:
    """torch's intra-op threads are per process: the last model loaded sets them for all."""
    if threads:
        torch.set_num_threads(threads)


def input_names(module: torch.nn.Module) -> tuple[str, ...]:
    """The tokenizer outputs ``module.forward`` accepts (DistilBERT takes no token_type_ids)."""
    accepted = inspect.signature(module.forward).parameters
    return tuple(n for n in ("input_ids", "attention_mask", "token_type_ids") if n in accepted)
