"""Export a transformers folder to ONNX and quantize it: dynamically with optimum, or statically
as Intel made its SST-2 ``model.onnx``."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from harness.claims.vocabulary import TORCH_WEIGHT_FILES

ORT_CLASSES = {
    "text-classification": "ORTModelForSequenceClassification",
    "text-pair-classification": "ORTModelForSequenceClassification",
    "question-answering": "ORTModelForQuestionAnswering",
    "token-classification": "ORTModelForTokenClassification",
}


def ort_class(task: str) -> type:
    import optimum.onnxruntime

    return getattr(optimum.onnxruntime, ORT_CLASSES[task])


def content_key(folder: Path) -> str:
    """A digest of the weights and config and of the exporting libraries' versions, so a changed
    checkpoint or an upgraded exporter never reuses a stale export."""
    from harness.cache.store import canonical, library_versions

    digest = hashlib.sha256(canonical(library_versions()))
    for name in ("config.json", *TORCH_WEIGHT_FILES):
        path = folder / name
        if path.exists():
            digest.update(name.encode())
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
    return digest.hexdigest()[:24]


def export(folder: Path, *, task: str, work_dir: Path) -> Path:
    """Export once per content key; return the folder holding model.onnx and the config."""
    target = work_dir / "onnx-exports" / content_key(folder)
    if (target / "model.onnx").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        model = ort_class(task).from_pretrained(folder, export=True, local_files_only=True)
        model.save_pretrained(scratch)
        publish_folder(Path(scratch), target)
    return target


def quantize_dynamic(onnx_folder: Path, *, out: Path, file_name: str = "model.onnx") -> Path:
    """Dynamic INT8 (weights int8, activations quantized on the fly), as the Intel card's ONNX model."""
    from optimum.onnxruntime import ORTQuantizer
    from optimum.onnxruntime.configuration import AutoQuantizationConfig

    quantizer = ORTQuantizer.from_pretrained(onnx_folder, file_name="model.onnx")
    config = AutoQuantizationConfig.avx512_vnni(is_static=False, per_channel=False)
    with tempfile.TemporaryDirectory() as scratch:
        quantizer.quantize(save_dir=scratch, quantization_config=config)
        out.mkdir(parents=True, exist_ok=True)
        shutil.move(str(Path(scratch) / "model_quantized.onnx"), out / file_name)
    return out / file_name


def quantize_static_like_intel(
    source: Path, *, out: Path, calibration: Sequence[tuple[str, ...]], max_length: int, file_name: str = "model.onnx"
) -> Path:
    """Static QOperator INT8, following Intel's recipe for its SST-2 ``model.onnx`` (INC's ONNX
    example): export at opset 14 with inputs ``input_ids`` and ``attention_mask``, ONNX Runtime's
    BERT fusions, then static post-training quantization calibrated on ``calibration`` rows, each
    padded to ``max_length`` as the example pads them. Weights and activations of every MatMul become
    QLinearMatMul with fixed scales. ONNX Runtime's static QOperator quantizer has no QAttention (only
    INC's own quantizer makes one), so the fused Attention stays FP32 here."""
    import json

    import numpy as np
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process
    from onnxruntime.transformers import optimizer
    from onnxruntime.transformers.fusion_options import FusionOptions
    from optimum.exporters.onnx import main_export
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source)
    config = json.loads((source / "config.json").read_text(encoding="utf-8"))

    class Rows(CalibrationDataReader):
        # Batches of rows: min-max calibration keeps the extremes over all rows, whatever the batching,
        # and each row is padded to max_length alone, so batches give the scales single rows give.
        def __init__(self) -> None:
            self.batches = iter([calibration[i : i + 20] for i in range(0, len(calibration), 20)])

        def get_next(self) -> dict[str, np.ndarray] | None:
            batch = next(self.batches, None)
            if batch is None:
                return None
            columns = [list(column) for column in zip(*batch, strict=True)]
            encoded = tokenizer(
                *columns, truncation=True, max_length=max_length, padding="max_length", return_tensors="np"
            )
            return {name: encoded[name].astype(np.int64) for name in ("input_ids", "attention_mask")}

    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        main_export(str(source), output=str(work / "fp32"), task="text-classification", opset=14,
                    local_files_only=True, no_post_process=True, do_validation=False)  # fmt: skip
        fused = optimizer.optimize_model(
            str(work / "fp32" / "model.onnx"), "bert", num_heads=config["n_heads"], hidden_size=config["dim"],
            optimization_options=FusionOptions("bert"),
        )  # fmt: skip
        fused.save_model_to_file(str(work / "fused.onnx"))
        # Shape inference first: the quantizer finds no calibrated range for tensors it cannot type.
        quant_pre_process(str(work / "fused.onnx"), str(work / "typed.onnx"), skip_optimization=True)
        out.mkdir(parents=True, exist_ok=True)
        quantize_static(str(work / "typed.onnx"), str(out / file_name), Rows(), quant_format=QuantFormat.QOperator,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=False,
                        op_types_to_quantize=["MatMul"], extra_options={"MatMulConstBOnly": True})  # fmt: skip
    return out / file_name


def quantized_export(folder: Path, *, task: str, work_dir: Path) -> Path:
    """The export of ``folder``, dynamically quantized to INT8, once per content key; return the
    folder holding its model.onnx and config."""
    target = work_dir / "onnx-int8-exports" / content_key(folder)
    if (target / "model.onnx").exists():
        return target
    exported = export(folder, task=task, work_dir=work_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        for item in exported.iterdir():
            if item.suffix in (".json", ".txt"):
                shutil.copy2(item, Path(scratch) / item.name)
        quantize_dynamic(exported, out=Path(scratch))
        publish_folder(Path(scratch), target)
    return target


def publish_folder(scratch: Path, target: Path) -> None:
    # Rename is atomic: a concurrent run sees either no export or a whole one.
    staged = scratch.with_name(scratch.name + "-done")
    shutil.copytree(scratch, staged)
    try:
        staged.rename(target)
    except OSError:
        shutil.rmtree(staged, ignore_errors=True)  # another run published first
