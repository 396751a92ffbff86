"""ONNX Runtime through optimum's ORTModel classes: the repo's .onnx file, or an export."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from harness.backends.base import ModelRequest
from harness.backends.devices import DeviceMissing
from harness.backends.onnx_export import export, ort_class


@dataclass
class OnnxPredictor:
    session: object  # onnxruntime.InferenceSession
    id2label: Mapping[int, str]
    input_names: tuple[str, ...]
    description: str

    def logits(self, batch: Mapping[str, np.ndarray]) -> np.ndarray | tuple[np.ndarray, ...]:
        outputs = self.session.run(None, {name: batch[name] for name in self.input_names})
        return outputs[0] if len(outputs) == 1 else tuple(outputs[:2])


def load(request: ModelRequest) -> OnnxPredictor:
    if request.file:
        folder, file_name, what = request.folder, request.file, f"onnx {request.file}"
    else:
        folder = export(request.folder, task=request.task, work_dir=request.work_dir)
        file_name, what = "model.onnx", "onnx fp32 (exported)"
    import onnxruntime

    options = onnxruntime.SessionOptions()
    if request.threads:
        options.intra_op_num_threads = request.threads
    on_gpu = request.device.startswith("cuda")
    placement = {}
    if on_gpu:
        placement = dict(provider="CUDAExecutionProvider", provider_options={"device_id": request.device.split(":")[1]})
    model = ort_class(request.task).from_pretrained(
        folder, file_name=file_name, local_files_only=True, session_options=options, **placement
    )
    session = model.session
    ran_on = session.get_providers()[0]
    if on_gpu and ran_on != "CUDAExecutionProvider":  # ONNX Runtime falls back quietly; the harness does not
        raise DeviceMissing(f"--harness-device {request.device}: ONNX Runtime put the model on {ran_on}, not CUDA")
    names = tuple(i.name for i in session.get_inputs())
    where = f" on {request.device} ({ran_on})" if on_gpu else ""
    return OnnxPredictor(session=session, id2label=dict(model.config.id2label), input_names=names,
                         description=what + where)  # fmt: skip
