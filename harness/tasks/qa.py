"""Extractive question answering: windows over long contexts, n-best spans, the answer's text.

The windowing and span selection follow transformers' run_qa example (stride = overlap between
windows; the best span maximizes start + end logit across all of a question's windows).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from harness import engine, metrics
from harness.backends.base import Predictor
from harness.engine import Encoded
from harness.registry import QASettings

Span = tuple[int, int]


@dataclass(frozen=True, kw_only=True)
class Features:
    encoded: Encoded
    question_of: list[int]  # feature -> question row
    offsets: list[list[Span | None]]  # per feature token: its character span in the context, else None


def truncate_questions(tokenizer, questions: Sequence[str], *, max_query_length: int) -> list[str]:
    """Cut each question after its first ``max_query_length`` tokens, as BERT's SQuAD setup does."""
    encoded = tokenizer(list(questions), add_special_tokens=False, return_offsets_mapping=True)
    cut = []
    for question, offsets in zip(questions, encoded["offset_mapping"], strict=True):
        cut.append(question[: offsets[max_query_length - 1][1]] if len(offsets) > max_query_length else question)
    return cut


def features(
    tokenizer, questions: Sequence[str], contexts: Sequence[str], *, max_length: int, settings: QASettings
) -> Features:
    if not getattr(tokenizer, "is_fast", False):
        raise TypeError("question answering needs a fast tokenizer (offsets); this model folder has a slow one")
    pad_right = tokenizer.padding_side == "right"
    questions = truncate_questions(tokenizer, questions, max_query_length=settings.max_query_length)
    first, second = (questions, contexts) if pad_right else (contexts, questions)
    encoded = tokenizer(
        list(first),
        list(second),
        truncation="only_second" if pad_right else "only_first",
        max_length=max_length,
        stride=settings.doc_stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )
    context_side = 1 if pad_right else 0
    offsets = []
    for i, spans in enumerate(encoded["offset_mapping"]):
        sides = encoded.sequence_ids(i)
        offsets.append([span if side == context_side else None for span, side in zip(spans, sides, strict=True)])
    return Features(
        encoded=Encoded(
            input_ids=encoded["input_ids"],
            token_type_ids=encoded.get("token_type_ids"),
            pad_id=tokenizer.pad_token_id or 0,
        ),
        question_of=list(encoded["overflow_to_sample_mapping"]),
        offsets=offsets,
    )


def best_answers(
    found: Features,
    start_logits: Sequence[np.ndarray],
    end_logits: Sequence[np.ndarray],
    contexts: Sequence[str],
    *,
    settings: QASettings,
) -> list[str]:
    """Per question, the text of the best-scoring valid span over all its windows ('' if none)."""
    best: list[tuple[float, str]] = [(-np.inf, "")] * len(contexts)
    for feature, question in enumerate(found.question_of):
        starts, ends = start_logits[feature], end_logits[feature]
        spans = found.offsets[feature]
        for s in np.argsort(starts)[::-1][: settings.n_best]:
            for e in np.argsort(ends)[::-1][: settings.n_best]:
                if spans[s] is None or spans[e] is None or e < s or e - s + 1 > settings.max_answer_length:
                    continue
                score = float(starts[s] + ends[e])
                if score > best[question][0]:
                    best[question] = (score, contexts[question][spans[s][0] : spans[e][1]])
    return [text for _, text in best]


@dataclass(frozen=True, kw_only=True)
class Answers:
    texts: list[str]  # one per question
    windows: int
    seconds: float


def answer(
    tokenizer, predictor: Predictor, questions: Sequence[str], contexts: Sequence[str], *, max_length: int,
    settings: QASettings, progress: Callable[[int], Callable[[int], object]] | None = None,
) -> Answers:  # fmt: skip
    """Window, run in length-sorted batches, and pick each question's answer.

    ``progress(total_windows)`` returns the callback told how many windows each batch finished.
    """
    found = features(tokenizer, questions, contexts, max_length=max_length, settings=settings)
    on_batch = progress(len(found.question_of)) if progress else None
    result = engine.run(predictor, found.encoded, per_token=True, on_batch=on_batch)
    texts = best_answers(found, *result.outputs[:2], contexts, settings=settings)
    return Answers(texts=texts, windows=len(found.question_of), seconds=result.seconds)


def scores(metric: str, predictions: Sequence[str], answers: Sequence[dict]) -> np.ndarray:
    """Per-question EM or F1 in percent (the mean is the SQuAD figure)."""
    score = {"f1": metrics.squad_f1, "exact_match": metrics.squad_exact}[metric]
    return np.array([100.0 * score(p, list(a["text"])) for p, a in zip(predictions, answers, strict=True)])
