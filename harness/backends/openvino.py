"""OpenVINO through optimum-intel's OVModel classes: the repo's IR when a claim names one
(``file: openvino_model.xml``), else an export of the torch checkpoint, kept per content key as the
ONNX export is. Inference runs on OpenVINO's CPU plugin, in FP32 (an IR's own precision otherwise)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.backends.base import ModelRequest
from harness.backends.devices import DeviceMissing
from harness.backends.onnx_export import content_key, publish_folder

OV_CLASSES = {
    "text-classification": "OVModelForSequenceClassification",
    "text-pair-classification": "OVModelForSequenceClassification",
    "question-answering": "OVModelForQuestionAnswering",
    "token-classification": "OVModelForTokenClassification",
}
IR_FILE = "openvino_model.xml"


@dataclass
class OpenVinoPredictor:
    request: object  # openvino.InferRequest of the compiled model
    outputs: tuple[str, ...]  # "logits", or "start_logits" and "end_logits"
    id2label: Mapping[int, str]
    input_names: tuple[str, ...]
    description: str

    def logits(self, batch: Mapping[str, np.ndarray]) -> np.ndarray | tuple[np.ndarray, ...]:
        found = self.request.infer({name: batch[name] for name in self.input_names})
        by_name = {output.get_any_name(): value for output, value in found.items()}
        values = tuple(np.asarray(by_name[name]) for name in self.outputs)
        return values[0] if len(values) == 1 else values


def ov_class(task: str) -> type:
    import optimum.intel

    return getattr(optimum.intel, OV_CLASSES[task])


def export(folder: Path, *, task: str, work_dir: Path, int8_weights: bool = False) -> Path:
    """Export once per content key; return the folder holding the IR and the config.

    ``int8_weights``: NNCF's 8-bit weight compression (asymmetric, per output channel: optimum-intel's
    ``OVWeightQuantizationConfig(bits=8)``) of every MatMul and embedding of the FP32 export, which is
    made first (or reused); activations stay FP32."""
    exports = work_dir / "openvino-exports"
    key = content_key(folder)  # hashes the weights: once, for both folders
    fp32 = _exported(folder, task, exports / key)
    return _compressed(fp32, exports / f"{key}-int8-weights") if int8_weights else fp32


def _exported(folder: Path, task: str, target: Path) -> Path:
    if (target / IR_FILE).exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        # a str: optimum-intel reads the id with str methods and only warns when handed a Path
        model = ov_class(task).from_pretrained(str(folder), export=True, local_files_only=True, compile=False)
        model.save_pretrained(scratch)
        publish_folder(Path(scratch), target)
    return target


def _compressed(fp32: Path, target: Path) -> Path:
    """The FP32 IR in ``fp32`` with its weights compressed to INT8, beside the same config and tokenizer."""
    if (target / IR_FILE).exists():
        return target
    import nncf
    import openvino

    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        for item in fp32.iterdir():
            if not item.name.startswith("openvino_model."):
                shutil.copy2(item, Path(scratch) / item.name)
        model = openvino.Core().read_model(fp32 / IR_FILE)
        model = nncf.compress_weights(model, mode=nncf.CompressWeightsMode.INT8_ASYM)
        openvino.save_model(model, Path(scratch) / IR_FILE, compress_to_fp16=False)
        publish_folder(Path(scratch), target)
    return target


def load_int8(request: ModelRequest) -> OpenVinoPredictor:
    """The openvino-int8 variant: the export with NNCF's INT8 weight compression."""
    return load(request, int8_weights=True)


def load(request: ModelRequest, *, int8_weights: bool = False) -> OpenVinoPredictor:
    if request.device != "cpu":
        raise DeviceMissing(f"--harness-device {request.device}: the openvino backend runs on the CPU here")
    if request.file and not int8_weights:
        folder, file_name, what = request.folder, request.file, f"openvino {request.file}"
    else:
        folder = export(request.folder, task=request.task, work_dir=request.work_dir, int8_weights=int8_weights)
        file_name = IR_FILE
        what = "openvino int8 weights (NNCF, exported)" if int8_weights else "openvino fp32 (exported)"
    config = {"INFERENCE_PRECISION_HINT": "f32"}  # the CPU plugin would otherwise compute in bf16 where it can
    if request.threads:
        config["INFERENCE_NUM_THREADS"] = str(request.threads)
    model = ov_class(request.task).from_pretrained(
        str(folder), file_name=file_name, local_files_only=True, ov_config=config
    )
    names = tuple(i.get_any_name() for i in model.model.inputs)
    outputs = ("start_logits", "end_logits") if request.task == "question-answering" else ("logits",)
    compiled = model.request  # optimum-intel keeps the compiled model there; one infer request serves every batch
    request = compiled.create_infer_request() if hasattr(compiled, "create_infer_request") else compiled
    return OpenVinoPredictor(request=request, outputs=outputs, id2label=dict(model.config.id2label),
                             input_names=names, description=what)  # fmt: skip
