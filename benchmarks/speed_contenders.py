"""The contenders `evaluation_speed.py` times, per task, each a call that evaluates every row and
returns its predictions (label names, or answer texts); and what the machine can compute at most."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from harness.evaluation.context import Settings
from harness.evaluation.evaluate import evaluate
from harness.evaluation.opening import open_model, resolve_model

HARNESS_BACKENDS = {
    "harness torch fp32": "torch", "harness onnx fp32": "onnx", "harness onnx int8": "onnx-int8",
    "harness openvino fp32": "openvino", "harness openvino int8": "openvino-int8",
}  # fmt: skip


@dataclass
class Task:
    name: str
    examples: int
    contenders: dict[str, Callable[[], list[str]]]
    reference: str  # the contender whose predictions the others are compared with
    flops: dict[str, float] = field(default_factory=dict)


def classification(claim, rows, settings: Settings) -> Task:
    """evaluate's evaluator, a one-at-a-time loop over the same pipeline, and the harness."""
    from transformers import pipeline

    model = resolve_model(claim, settings.location)
    texts = list(rows.inputs[claim.dataset.inputs[0]])
    predictor, tokenizer, max_length = open_model(claim, "torch", model, settings)
    pipe = pipeline("text-classification", model=predictor.model, tokenizer=tokenizer, device="cpu",
                    truncation=True, max_length=max_length)  # fmt: skip
    contenders = {
        "evaluate.evaluator": lambda: evaluator_classification(pipe, rows, claim),
        "one at a time": lambda: [pipe(text)[0]["label"] for text in texts],
        **harness(claim, model, settings, rows),
    }
    flops = forward_flops(claim, rows, predictor, tokenizer, max_length)
    return Task("text-classification", len(texts), contenders, reference="one at a time", flops=flops)


def question_answering(claim, rows, settings: Settings) -> Task:
    """evaluate's question-answering evaluator (the pipeline, one question at a time) and the harness.

    No separate loop: the evaluator already calls the pipeline once per question."""
    from transformers import pipeline

    model = resolve_model(claim, settings.location)
    predictor, tokenizer, max_length = open_model(claim, "torch", model, settings)
    pipe = pipeline("question-answering", model=predictor.model, tokenizer=tokenizer, device="cpu",
                    max_seq_len=max_length, doc_stride=claim.qa.doc_stride, max_question_len=claim.qa.max_query_length,
                    max_answer_len=claim.qa.max_answer_length)  # fmt: skip
    contenders = {"evaluate.evaluator": lambda: evaluator_qa(pipe, rows, claim)}
    contenders.update(harness(claim, model, settings, rows))
    return Task("question-answering", len(rows), contenders, reference="evaluate.evaluator")


def harness(claim, model, settings: Settings, rows) -> dict[str, Callable[[], list[str]]]:
    """The harness on each backend; tokenization is timed every call (no feature cache)."""
    from harness.commands.adhoc import open_backend

    contenders = {}
    for name, backend in HARNESS_BACKENDS.items():
        predictor, tokenizer, max_length = open_backend(replace(claim, file=None), backend, model, settings)
        contenders[name] = _harness_call(claim, rows, tokenizer, predictor, max_length)
    return contenders


def _harness_call(claim, rows, tokenizer, predictor, max_length) -> Callable[[], list[str]]:
    return lambda: evaluate(claim, rows, tokenizer, predictor, max_length).predictions


def evaluator_classification(pipe, rows, claim) -> list[str]:
    """``evaluate.evaluator("text-classification")``; the metric it is given records the predictions.

    The metrics are defined here because ``evaluate.load`` fetches their scripts from the Hub.
    """
    import datasets
    import evaluate

    names = rows.label_names
    recorded: list[int] = []
    features = datasets.Features({name: datasets.Value("int64") for name in ("predictions", "references")})
    column = claim.dataset.inputs[0]
    data = datasets.Dataset.from_dict({column: rows.inputs[column], "label": rows.labels})
    evaluate.evaluator("text-classification").compute(
        model_or_pipeline=pipe, data=data, metric=_recording_metric(features, recorded), input_column=column,
        label_column="label", label_mapping={name: index for index, name in enumerate(names)},
    )  # fmt: skip
    return [names[i] for i in recorded]


def evaluator_qa(pipe, rows, claim) -> list[str]:
    """``evaluate.evaluator("question-answering")`` (SQuAD v1 format); the answers it produced."""
    import datasets
    import evaluate

    question, context = claim.dataset.inputs
    answers = [{"text": list(a["text"]), "answer_start": [int(s) for s in a["answer_start"]]} for a in rows.labels]
    data = datasets.Dataset.from_dict({
        "id": [str(i) for i in range(len(rows))], "question": list(rows.inputs[question]),
        "context": list(rows.inputs[context]), "answers": answers,
    })  # fmt: skip
    recorded: list[dict] = []
    text, start = datasets.Value("string"), datasets.Value("int32")
    features = datasets.Features({
        "predictions": {"id": text, "prediction_text": text},
        "references": {"id": text, "answers": datasets.Sequence({"text": text, "answer_start": start})},
    })  # fmt: skip
    evaluate.evaluator("question-answering").compute(
        model_or_pipeline=pipe, data=data, metric=_recording_metric(features, recorded), squad_v2_format=False,
    )  # fmt: skip
    by_id = {p["id"]: p["prediction_text"] for p in recorded}
    return [by_id[str(i)] for i in range(len(rows))]


def _recording_metric(features, recorded: list):
    import evaluate

    class Recording(evaluate.Metric):
        def _info(self):
            return evaluate.MetricInfo(description="records predictions", citation="", features=features)

        def _compute(self, predictions, references):
            recorded.extend(predictions)
            return {"examples": len(predictions)}

    return Recording()


def forward_flops(claim, rows, predictor, tokenizer, max_length) -> dict[str, float]:
    """Floating-point operations of the harness's torch forward passes over ``rows``: ``computed``
    (padding included: what the machine did) and ``useful`` (every row at its own length).

    torch's ``FlopCounterMode`` counts one forward of one row per distinct length; a forward's
    FLOPs grow linearly with the rows of a batch, so the totals follow from the batches.
    """
    from torch.utils.flop_counter import FlopCounterMode

    from harness.engine import batching as engine
    from harness.tasks import classification as task

    encoded = task.encode(tokenizer, rows, inputs=claim.dataset.inputs, max_length=max_length)
    lengths = encoded.lengths.tolist()
    one_row: dict[int, float] = {}
    for index in {length: i for i, length in enumerate(lengths)}.values():
        single = engine.Encoded.from_lists([encoded.row(index).tolist()], pad_id=encoded.pad_id)
        with FlopCounterMode(display=False) as counter:
            engine.run(predictor, single)
        one_row[lengths[index]] = float(counter.get_total_flops())
    groups = engine.batches(lengths)
    computed = sum(len(group) * one_row[max(lengths[i] for i in group)] for group in groups)
    useful = sum(one_row[length] for length in lengths)
    tokens = sum(len(group) * max(lengths[i] for i in group) for group in groups)
    return {"computed": computed, "useful": useful, "padding_share": 1 - sum(lengths) / tokens}


def matmul_peak(size: int = 2048, repeats: int = 10) -> float:
    """The machine's FP32 matrix-multiply rate, in FLOP/s: the best of ``repeats`` products."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.matmul(a, b)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best


def agreement(predictions: list[str], reference: list[str]) -> float:
    return float(np.mean([a == b for a, b in zip(predictions, reference, strict=True)]))
