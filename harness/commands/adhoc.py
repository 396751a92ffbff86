"""`harness eval`: one evaluation outside pytest, of a model on a dataset split, with the engine and
metrics the gate uses. A model or dataset is a Hub repo id or a local folder."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness.claims.model import Claim, DatasetRef, ModelRef
from harness.claims.vocabulary import MODEL_SUPPORT_PATTERNS, TORCH_WEIGHT_FILES
from harness.data.splits import DataError, read_split
from harness.evaluation.context import Settings
from harness.evaluation.opening import open_model, sample
from harness.hub.resolve import HubLocation, Snapshot, resolve
from harness.measures.metrics import value_of
from harness.tasks import TASKS as TASK_MODULES
from harness.tasks import task_of

TASKS = tuple(TASK_MODULES)
BACKENDS = ("torch", "onnx", "onnx-int8", "inc", "openvino", "openvino-int8", "torch-fp16")
NOT_INPUTS = {"idx", "id", "title", "label", "labels"}  # string-valued columns that are never the text


@dataclass(frozen=True, kw_only=True)
class Request:
    model: str
    dataset: str
    config: str | None
    split: str
    task: str
    backend: str
    inputs: tuple[str, ...] = ()
    label: str | None = None
    limit: int | None = None
    seed: int = 0
    max_seq_length: int | None = None
    dataset_revision: str | None = None


@dataclass(frozen=True, kw_only=True)
class Result:
    metrics: dict[str, float]
    n: int
    seconds: float  # the evaluation: tokenization, the model, scoring; not loading or export
    model: Snapshot
    dataset: Snapshot
    rows: list[dict[str, Any]]  # one per example: index, prediction, reference

    @property
    def examples_per_second(self) -> float:
        return self.n / self.seconds if self.seconds else float("inf")

    def summary(self) -> dict[str, Any]:
        return {
            "metrics": self.metrics, "n": self.n, "seconds": self.seconds,
            "examples_per_second": self.examples_per_second,
            "model": {"repo": self.model.repo, "revision": self.model.revision},
            "dataset": {"repo": self.dataset.repo, "revision": self.dataset.revision},
        }  # fmt: skip


def run(request: Request, settings: Settings) -> Result:
    from harness.evaluation.evaluate import evaluate

    if request.task not in TASKS:
        raise ValueError(f"--task {request.task!r}: expected one of {', '.join(TASKS)}")
    task = task_of(request.task)
    model = _model(request.model, settings.location)
    data, files = _split_files(request, settings.location)
    inputs, label = _columns(files, request)
    ref = DatasetRef(repo=data.repo, revision=None, config=request.config, split=request.split, files="",
                     inputs=inputs, label=label)  # fmt: skip
    split = read_split(files, inputs=inputs, label=label)
    claim = Claim(
        id="eval", card="(command line)", card_file="", model=ModelRef(repo=model.repo, revision=None), dataset=ref,
        task=request.task, metric=task.metrics[0],
        value=None, tolerance=None, backends=(request.backend,), file=None, max_seq_length=request.max_seq_length,
        source="", checkable=True, reason=None, **task.claim_fields(),
    )  # fmt: skip
    indices = sample(claim, split, limit=request.limit, seed=request.seed)
    rows = split.take(indices)
    predictor, tokenizer, max_length = open_backend(claim, request.backend, model, settings)
    start = time.perf_counter()
    evaluation = evaluate(claim, rows, tokenizer, predictor, max_length)
    found = {task.metrics[0]: value_of(task.metrics[0], evaluation.scores)}
    found.update({m: value_of(m, task.rescore(m, evaluation.predictions, rows)) for m in task.metrics[1:]})
    references = task.references(rows)
    seconds = time.perf_counter() - start
    per_example = [
        {"index": i, **task.prediction_record(rows, position, p, r)}
        for position, (i, p, r) in enumerate(zip(indices, evaluation.predictions, references, strict=True))
    ]
    return Result(metrics=found, n=len(rows), seconds=seconds, model=model, dataset=data, rows=per_example)


def write(result: Result, *, json_path: Path | None, predictions_path: Path | None) -> None:
    if json_path is not None:
        json_path.write_text(json.dumps(result.summary(), indent=2), encoding="utf-8")
    if predictions_path is not None:
        with predictions_path.open("w", encoding="utf-8") as out:
            for row in result.rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")


def _model(value: str, location: HubLocation) -> Snapshot:
    folder = Path(value)
    if folder.is_dir():
        if not (folder / "config.json").exists():
            raise FileNotFoundError(f"--model {value}: the folder has no config.json; point at a saved model folder")
        return Snapshot(repo=str(folder.resolve()), repo_type="model", revision="local folder", path=folder.resolve())
    weights = list(TORCH_WEIGHT_FILES)
    return resolve(value, location=location, revision=None, patterns=[*MODEL_SUPPORT_PATTERNS, *weights],
                   required=[["config.json"], weights])  # fmt: skip


def _split_files(request: Request, location: HubLocation) -> tuple[Snapshot, list[Path]]:
    prefix = f"{request.config}/" if request.config else ""
    # A split as one or more files named after it, or (the Hub's parquet conversion) a folder of it.
    patterns = [f"{prefix}{request.split}-*.parquet", f"{prefix}{request.split}/*.parquet"]
    folder = Path(request.dataset)
    if folder.is_dir():
        data = Snapshot(repo=str(folder.resolve()), repo_type="dataset", revision="local folder", path=folder.resolve())
    else:
        data = resolve(request.dataset, location=location, revision=request.dataset_revision, repo_type="dataset",
                       patterns=patterns, required=[patterns])  # fmt: skip
    files = next((found for found in map(data.matching, patterns) if found), [])
    if not files:
        found = sorted(p.relative_to(data.path).as_posix() for p in data.path.rglob("*.parquet"))
        script = "" if found or request.dataset_revision else (
            " A repo whose main branch holds a loading script keeps its parquet files on the Hub's conversion "
            "branch: pass --dataset-revision refs/convert/parquet."
        )  # fmt: skip
        raise FileNotFoundError(
            f"--dataset {request.dataset}: no file matches {' or '.join(patterns)}; parquet files there: "
            f"{', '.join(found) or 'none'}. Name the split (and --config for a CONFIG/SPLIT layout).{script}"
        )
    return data, files


def _columns(files: list[Path], request: Request) -> tuple[tuple[str, ...], str]:
    """The input and label columns: as given, or inferred from the files' schema."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(files[0])
    features = json.loads((schema.metadata or {}).get(b"huggingface", b"{}")).get("info", {}).get("features", {})
    task = task_of(request.task)
    if task.default_columns is not None:
        default_inputs, default_label = task.default_columns
        inputs, label = request.inputs or default_inputs, request.label or default_label
    else:
        class_labels = [name for name, f in features.items() if isinstance(f, dict) and f.get("_type") == "ClassLabel"]
        label = request.label or next(iter(class_labels), None) or ("label" if "label" in schema.names else None)
        strings = [f.name for f in schema if str(f.type) in ("string", "large_string") and f.name not in NOT_INPUTS]
        wanted = task.text_columns
        inputs = request.inputs or (tuple(strings) if len(strings) == wanted else ())
        if label is None:
            raise DataError(f"{files[0]}: no ClassLabel or 'label' column among {schema.names}; pass --label COL")
        if not inputs:
            raise DataError(
                f"{files[0]}: cannot tell which of the text columns {strings} are the {wanted} input(s) of "
                f"{request.task}; pass --inputs COL{',COL' if wanted == 2 else ''}"
            )
    absent = [c for c in (*inputs, label) if c not in schema.names]
    if absent:
        raise DataError(f"{files[0]}: no column {', '.join(absent)}; the file has {', '.join(schema.names)}")
    return tuple(inputs), label


def open_backend(claim: Claim, backend: str, model: Snapshot, settings: Settings):
    """The predictor, tokenizer and sequence length for a `harness eval` backend name (onnx-int8 too)."""
    if backend != "onnx-int8":
        return open_model(claim, backend, model, settings)
    from harness.backends.onnx_export import quantized_export

    folder = quantized_export(model.path, task=claim.task, work_dir=settings.work_dir)
    return open_model(replace(claim, file="model.onnx"), "onnx", model, settings, folder=folder)
