"""What a table's column (or row) label says about the figure: a runtime, a precision, a dataset."""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.hubcards.datasets import known_name
from harness.hubcards.found import RawDataset

# Runtimes a column can name; TensorRT and TFLite are named so that their figures are never read as the
# repo's own kind (the harness has no backend for them).
RUNTIMES = {
    "onnx": "onnx", "onnxruntime": "onnx", "pytorch": "torch", "torch": "torch", "openvino": "openvino",
    "tensorrt": "tensorrt", "trt": "tensorrt", "tflite": "tflite",
}  # fmt: skip
PRECISIONS = {"int8": "int8", "fp32": "fp32", "float32": "fp32", "fp16": "fp16", "bf16": "bf16"}
# A column labelled with a split alone ("dev | test", as run_ner-style tables print them): the card's
# dataset, that split. "dev" is the Hub's validation split.
SPLITS = {"dev": "validation", "validation": "validation", "val": "validation", "eval": "validation", "test": "test"}


@dataclass(frozen=True, kw_only=True)
class Column:
    label: str | None
    runtime: str | None = None  # "onnx", "torch", "openvino", or a runtime the harness has no backend for
    precision: str | None = None
    dataset: RawDataset | None = None
    split: str | None = None  # the split a column of a split's name is on (the dataset is the card's)

    @classmethod
    def of(cls, label: str | None) -> Column:
        if not label:
            return cls(label=None)
        words = re.findall(r"[a-z0-9]+", label.lower())
        runtime = next((RUNTIMES[w] for w in words if w in RUNTIMES), None)
        precision = next((PRECISIONS[w] for w in words if w in PRECISIONS), None)
        dataset = None
        if runtime is None and precision is None and known_name(label):
            dataset = RawDataset(name=label, inferred_from=f"the table's label {label!r}")
        split = SPLITS.get(" ".join(words)) if dataset is None else None
        return cls(label=label, runtime=runtime, precision=precision, dataset=dataset, split=split)
