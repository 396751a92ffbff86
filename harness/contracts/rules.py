"""What every model must do whatever its accuracy, as plain functions the contract tests assert on."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

# How far a logit may move when only the batch around an input changes (other inputs, padding
# width). FP32 kernels differ only in summation order; static INT8 (INC's, and the static QOperator
# model.onnx Intel ships) has fixed scales: the replica's static model.onnx moved 0.0 on 256 SST-2
# rows, batched by 32 or padded to 128, against one at a time. ONNX
# Runtime's dynamic INT8 quantizes activations with one scale per tensor, computed over the whole
# batch, so the neighbours do move its logits: its bound is wider (0.07 measured on the replica).
# FP16 rounds every sum to 11 significant bits, so another summation order moves a logit by far more
# than FP32's; NNCF's INT8 weights are constants decompressed to FP32, so the activations sum as in FP32.
BATCH_TOLERANCE = {"fp32": 1e-4, "fp16": 2e-2, "int8-weights": 1e-3, "static-int8": 1e-3, "dynamic-int8": 0.25}
VARIANT_PRECISION = {"torch-fp16": "fp16", "openvino-int8": "int8-weights"}  # a variant's arithmetic


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits.astype(np.float64) - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def logit_problems(logits: np.ndarray, *, rows: int, classes: int) -> list[str]:
    """What is wrong with a backend's raw classification logits (empty: nothing): one row per input,
    one float column per label the model's config names, every value finite."""
    if logits.shape != (rows, classes):
        return [f"logits have shape {logits.shape}, not ({rows}, {classes}): one row per input, one column per "
                "label the model's config names"]  # fmt: skip
    if not np.issubdtype(logits.dtype, np.floating):
        return [f"logits are {logits.dtype}, not floating point"]
    return [f"row {row}: logits are not finite: {values.tolist()}" for row, values in enumerate(logits)
            if not np.all(np.isfinite(values))]  # fmt: skip


def answer_problems(tokenizer, found, answers, outputs, contexts, *, settings) -> list[str]:
    """What is wrong with extractive answers, checked against what the backend returned (empty: nothing).

    Per window the start and end logits are finite, one per token; per question, an answer exists
    when a window has context tokens, its span lies inside one of that question's windows' context,
    runs forwards and within ``max_answer_length`` tokens, and every token the logits chose is the
    text the answer's characters hold, as the tokenizer's own normalizer reads them (so an offset
    taken from the wrong window or shifted by a token shows).
    """
    starts, ends = outputs[0], outputs[1]
    problems = []
    for feature, (start, end) in enumerate(zip(starts, ends, strict=True)):
        tokens = int(found.encoded.lengths[feature])
        if start.shape != (tokens,) or end.shape != (tokens,):
            problems.append(f"window {feature}: start/end logits {start.shape}/{end.shape} for {tokens} tokens")
        elif not (np.all(np.isfinite(start)) and np.all(np.isfinite(end))):
            problems.append(f"window {feature}: start or end logits are not finite")
    for question, chosen in enumerate(answers.spans):
        has_context = any((found.spans(f)[:, 0] >= 0).any() for f in np.flatnonzero(found.question_of == question))
        if chosen is None:
            if has_context:
                problems.append(f"question {question}: no answer, though its windows hold context tokens")
            continue
        problems += _span_problems(tokenizer, found, question, chosen, answers.texts[question],
                                   contexts[question], settings)  # fmt: skip
    return problems


def tag_problems(texts, tags, *, labels) -> list[str]:
    """What is wrong with a token classifier's tags (empty: nothing): one tag per white-space word of
    each text, every tag one of the model's ``labels``, and the entities read from them (seqeval's
    default mode) well-formed spans: inside the sentence, forwards, not overlapping, of a type the
    model's tags name."""
    from harness.measures import entities

    known = set(labels)
    types = {entities.parts(label)[1] for label in labels if label != "O"}
    problems = []
    for row, (text, found) in enumerate(zip(texts, tags, strict=True)):
        words = text.split()
        if len(found) != len(words):
            problems.append(f"row {row}: {len(found)} tags for {len(words)} words")
            continue
        strange = sorted(set(found) - known)
        if strange:
            problems.append(f"row {row}: tags {strange} are not among the model's labels {sorted(known)}")
        last = -1
        for kind, first, final in entities.entities(found):
            if not (last < first <= final < len(words)) or kind not in types:
                problems.append(f"row {row}: entity {kind} over words {first}..{final} of {len(words)} is not a span")
            last = final
    return problems


def subject_answer_problems(subject, questions, contexts) -> list[str]:
    """answer_problems of a loaded QA subject's answers to ``questions`` about ``contexts``."""
    found, answers = subject.answered(questions, contexts)
    return answer_problems(subject.tokenizer, found, answers, answers.outputs, contexts, settings=subject.claim.qa)


def _span_problems(tokenizer, found, question: int, chosen, text: str, context: str, settings) -> list[str]:
    feature, first, last = chosen
    if int(found.question_of[feature]) != question:
        return [f"question {question}: its answer comes from window {feature}, a window of another question"]
    spans = found.spans(feature)
    if last < first or last - first + 1 > settings.max_answer_length:
        return [f"question {question}: tokens {first}..{last} are not a span of 1 to {settings.max_answer_length}"]
    if (spans[first:last + 1, 0] < 0).any():
        return [f"question {question}: tokens {first}..{last} reach outside the context"]
    if not text:
        return [f"question {question}: tokens {first}..{last} were chosen but the answer is empty"]
    ids = found.encoded.row(feature)
    normalize = tokenizer.backend_tokenizer.normalizer
    problems = []
    for token in range(first, last + 1):
        if ids[token] == tokenizer.unk_token_id:
            continue  # an unknown token stands for any text
        piece = tokenizer.convert_ids_to_tokens(int(ids[token])).removeprefix("##")
        a, b = (int(x) for x in spans[token])
        held = normalize.normalize_str(context[a:b]) if normalize else context[a:b]
        if held != piece:
            problems.append(
                f"question {question}: token {token} of window {feature} is {piece!r}, but the answer's "
                f"characters {a}..{b} hold {context[a:b]!r}"
            )
    return problems[:3]


def precision(backend: str, onnx_file: Path | None = None) -> str:
    """Which kind of arithmetic an artifact computes with; an ONNX file is read to find out."""
    if backend == "inc":
        return "static-int8"
    if backend in VARIANT_PRECISION:
        return VARIANT_PRECISION[backend]
    if backend != "onnx" or onnx_file is None:
        return "fp32"
    import onnx

    ops = {node.op_type for node in onnx.load(str(onnx_file), load_external_data=False).graph.node}
    if "DynamicQuantizeLinear" in ops or "MatMulInteger" in ops:
        return "dynamic-int8"
    return "static-int8" if "QuantizeLinear" in ops or "QLinearMatMul" in ops else "fp32"


class Hang(Exception):
    """A call to the model did not return within its deadline."""


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise Hang in the calling code if the block has not finished within ``seconds``.

    Written here rather than taken from pytest-timeout, which bounds a whole test: a hypothesis
    test makes many calls, as many as its profile says, and the contract is about each call. Uses
    SIGALRM, so it applies in the main thread on POSIX (elsewhere the block runs unbounded); the
    alarm interrupts Python code and sleeps, not a single native call that never returns.
    """
    usable = seconds and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def expired(signum, frame):
        raise Hang(
            f"the model gave no answer within {seconds:g} s; a call must answer or raise a clear error, never "
            "hang (if the model is only slow here, raise --harness-deadline)"
        )

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
