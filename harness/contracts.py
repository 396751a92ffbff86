"""What every model must do whatever its accuracy, as plain functions the contract tests assert on."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

# How far a logit may move when only the batch around an input changes (other inputs, padding
# width). FP32 kernels differ only in summation order; INC's static INT8 has fixed scales. ONNX
# Runtime's dynamic INT8 quantizes activations with one scale per tensor, computed over the whole
# batch, so the neighbours do move its logits: its bound is wider (0.07 measured on the replica).
BATCH_TOLERANCE = {"fp32": 1e-4, "static-int8": 1e-3, "dynamic-int8": 0.25}


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits.astype(np.float64) - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def probability_problems(logits: np.ndarray) -> list[str]:
    """What is wrong with the class probabilities of each row (empty: nothing)."""
    problems = []
    for row, p in enumerate(softmax(logits)):
        if not np.all(np.isfinite(p)):
            problems.append(f"row {row}: probabilities are not finite: {p.tolist()}")
        elif p.min() < 0 or p.max() > 1:
            problems.append(f"row {row}: probabilities outside [0, 1]: {p.tolist()}")
        elif abs(p.sum() - 1) > 1e-5:
            problems.append(f"row {row}: probabilities sum to {p.sum():.8f}, not 1 within 1e-5")
    return problems


def precision(backend: str, onnx_file: Path | None = None) -> str:
    """Which kind of arithmetic an artifact computes with; an ONNX file is read to find out."""
    if backend == "inc":
        return "static-int8"
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
