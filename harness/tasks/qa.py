"""Extractive question answering: windows over long contexts, n-best spans, the answer's text.

The windowing and span selection follow transformers' run_qa example (stride = overlap between
windows; the best span maximizes start + end logit across all of a question's windows).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.backends.base import Predictor
from harness.claims.model import QASettings
from harness.engine import batching as engine
from harness.engine.batching import Encoded
from harness.measures import metrics
from harness.tasks.base import Predicted

Span = tuple[int, int]


@dataclass(frozen=True, kw_only=True)
class Features:
    encoded: Encoded
    question_of: np.ndarray  # feature -> question row
    # per token of every feature (laid out as encoded.ids): its character span in the context, or
    # (-1, -1) for a question or special token
    offsets: np.ndarray

    @classmethod
    def from_lists(
        cls, encoded: Encoded, question_of: Sequence[int], offsets: Sequence[Sequence[Span | None]]
    ) -> Features:
        flat = [span if span is not None else (-1, -1) for spans in offsets for span in spans]
        return cls(
            encoded=encoded,
            question_of=np.asarray(question_of, dtype=np.int64),
            offsets=np.asarray(flat, dtype=np.int32).reshape(-1, 2),
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {**self.encoded.to_arrays(), "question_of": self.question_of, "offsets": self.offsets}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Features:
        encoded = Encoded.from_arrays(arrays)
        question_of, offsets = arrays["question_of"], arrays["offsets"]
        if len(question_of) != len(encoded) or offsets.shape != (len(encoded.ids), 2):
            raise ValueError("windows, offsets and tokens do not match")
        return cls(encoded=encoded, question_of=question_of, offsets=offsets)

    def spans(self, feature: int) -> np.ndarray:
        starts = self.encoded.starts
        return self.offsets[starts[feature] : starts[feature + 1]]


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
    return Features.from_lists(
        Encoded.from_lists(encoded["input_ids"], encoded.get("token_type_ids"), pad_id=tokenizer.pad_token_id or 0),
        encoded["overflow_to_sample_mapping"],
        offsets,
    )


Chosen = tuple[int, int, int]  # (window, first token, last token) of a question's answer


def best_spans(
    found: Features, start_logits: Sequence[np.ndarray], end_logits: Sequence[np.ndarray], *, questions: int,
    settings: QASettings,
) -> list[Chosen | None]:  # fmt: skip
    """Per question, the best-scoring valid span over all its windows (None if there is none)."""
    best: list[tuple[float, Chosen | None]] = [(-np.inf, None)] * questions
    for feature, question in enumerate(found.question_of.tolist()):
        starts, ends = start_logits[feature], end_logits[feature]
        spans = found.spans(feature).tolist()
        for s in np.argsort(starts)[::-1][: settings.n_best]:
            for e in np.argsort(ends)[::-1][: settings.n_best]:
                if spans[s][0] < 0 or spans[e][0] < 0 or e < s or e - s + 1 > settings.max_answer_length:
                    continue
                score = float(starts[s] + ends[e])
                if score > best[question][0]:
                    best[question] = (score, (feature, int(s), int(e)))
    return [chosen for _, chosen in best]


def span_text(found: Features, chosen: Chosen | None, context: str) -> str:
    """The answer's text, cut from the original context through the chosen tokens' offsets."""
    if chosen is None:
        return ""
    feature, first, last = chosen
    spans = found.spans(feature)
    return context[int(spans[first][0]) : int(spans[last][1])]


def best_answers(
    found: Features,
    start_logits: Sequence[np.ndarray],
    end_logits: Sequence[np.ndarray],
    contexts: Sequence[str],
    *,
    settings: QASettings,
) -> list[str]:
    """Per question, the text of the best-scoring valid span over all its windows ('' if none)."""
    chosen = best_spans(found, start_logits, end_logits, questions=len(contexts), settings=settings)
    return [span_text(found, span, context) for span, context in zip(chosen, contexts, strict=True)]


@dataclass(frozen=True, kw_only=True)
class Answers:
    texts: list[str]  # one per question
    windows: int
    seconds: float
    spans: list[Chosen | None] | None = None  # per question, the tokens the texts were cut at
    outputs: tuple | None = None  # the backend's per-window start and end logits the spans were chosen from


def answer(
    tokenizer, predictor: Predictor, questions: Sequence[str], contexts: Sequence[str], *, max_length: int,
    settings: QASettings, progress: Callable[[int], Callable[[int], object]] | None = None,
    as_one_batch: bool = False,
) -> Answers:  # fmt: skip
    """Window, run in length-sorted batches (or ``as_one_batch``), and pick each question's answer.

    ``progress(total_windows)`` returns the callback told how many windows each batch finished.
    """
    found = features(tokenizer, questions, contexts, max_length=max_length, settings=settings)
    return answer_features(found, predictor, contexts, settings=settings, progress=progress, as_one_batch=as_one_batch)


def answer_features(
    found: Features, predictor: Predictor, contexts: Sequence[str], *, settings: QASettings,
    progress: Callable[[int], Callable[[int], object]] | None = None, as_one_batch: bool = False,
    shards: engine.Shards | None = None,
) -> Answers:  # fmt: skip
    """Run already windowed questions and pick each one's answer (``shards``: as engine.run)."""
    on_batch = progress(len(found.question_of)) if progress else None
    result = engine.run(predictor, found.encoded, per_token=True, on_batch=on_batch, as_one_batch=as_one_batch,
                        shards=shards)  # fmt: skip
    chosen = best_spans(found, *result.outputs[:2], questions=len(contexts), settings=settings)
    texts = [span_text(found, span, context) for span, context in zip(chosen, contexts, strict=True)]
    return Answers(texts=texts, windows=len(found.question_of), seconds=result.seconds, spans=chosen,
                   outputs=result.outputs)  # fmt: skip


def scores(metric: str, predictions: Sequence[str], answers: Sequence[dict]) -> np.ndarray:
    """Per-question EM or F1 in percent (the mean is the SQuAD figure)."""
    score = {"f1": metrics.squad_f1, "exact_match": metrics.squad_exact}[metric]
    return np.array([100.0 * score(p, list(a["text"])) for p, a in zip(predictions, answers, strict=True)])


@dataclass(frozen=True)
class ExtractiveQA:
    """A question and its context in, the answer's text out (a span of the context), scored by SQuAD EM / F1."""

    name: str = "question-answering"
    text_columns: int = 2
    metrics: tuple[str, ...] = ("exact_match", "f1")
    default_columns: tuple[tuple[str, ...], str] | None = (("question", "context"), "answers")  # SQuAD's
    labelled: bool = False
    aligns_labels: bool = False
    example_metric: str = "exact_match"
    windowed: bool = True
    # A question is several windows of up to 384 tokens (about half a second each at true size on 2
    # cores): fewer per round than classification, so that a round stays near a second or two.
    throughput_examples: int = 4
    features_type: Any = Features

    def encode(self, tokenizer, rows, *, claim, max_length: int) -> Features:
        questions, contexts = (rows.inputs[name] for name in claim.dataset.inputs)
        return features(tokenizer, questions, contexts, max_length=max_length, settings=claim.qa)

    def predict(self, predictor: Predictor, encoded: Features, rows, *, claim, progress, shards) -> Predicted:
        contexts = rows.inputs[claim.dataset.inputs[1]]
        answers = answer_features(encoded, predictor, contexts, settings=claim.qa, progress=progress, shards=shards)
        settings = f"doc_stride {claim.qa.doc_stride}, n_best {claim.qa.n_best}"
        return Predicted(
            scores=scores(claim.metric, answers.texts, rows.labels), predictions=list(answers.texts),
            notes=(f"{answers.windows} windows for {len(rows)} questions ({settings})",), features=answers.windows,
        )  # fmt: skip

    def outputs(self, subject, columns: Sequence[Sequence[str]], *, max_length: int, as_one_batch: bool):
        questions, contexts = columns  # windows are the claim's length whatever ``max_length``: nothing is cut
        found = features(subject.tokenizer, questions, contexts, max_length=subject.max_length,
                         settings=subject.claim.qa)  # fmt: skip
        return engine.run(subject.predictor, found.encoded, per_token=True, as_one_batch=as_one_batch).outputs

    def respond(self, subject, columns: Sequence[Sequence[str]]) -> object:
        return subject.answers(*columns)

    def same_prediction(self, mine: str, theirs: str) -> bool:
        return mine == theirs  # an answer's text, exactly as cut from the context

    def claim_fields(self) -> dict[str, Any]:
        return {"qa": QASettings()}

    def references(self, rows) -> list[Any]:
        return [list(answers["text"]) for answers in rows.labels]

    def rescore(self, metric: str, predictions: Sequence[str], rows) -> np.ndarray:
        return scores(metric, predictions, rows.labels)

    def prediction_record(self, rows, position: int, prediction: str, reference: Any) -> dict[str, Any]:
        return {"prediction": prediction, "reference": reference}


EXTRACTIVE_QA = ExtractiveQA()
