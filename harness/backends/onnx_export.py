"""Export a transformers folder to ONNX and quantize it dynamically, with optimum."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from harness.hub import TORCH_WEIGHT_FILES

ORT_CLASSES = {
    "text-classification": "ORTModelForSequenceClassification",
    "text-pair-classification": "ORTModelForSequenceClassification",
    "question-answering": "ORTModelForQuestionAnswering",
}


def ort_class(task: str) -> type:
    import optimum.onnxruntime

    return getattr(optimum.onnxruntime, ORT_CLASSES[task])


def content_key(folder: Path) -> str:
    """A digest of the weights and config and of the exporting libraries' versions, so a changed
    checkpoint or an upgraded exporter never reuses a stale export."""
    from harness.cache_files import canonical, library_versions

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
        _publish(Path(scratch), target)
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
        _publish(Path(scratch), target)
    return target


def _publish(scratch: Path, target: Path) -> None:
    # Rename is atomic: a concurrent run sees either no export or a whole one.
    staged = scratch.with_name(scratch.name + "-done")
    shutil.copytree(scratch, staged)
    try:
        staged.rename(target)
    except OSError:
        shutil.rmtree(staged, ignore_errors=True)  # another run published first
