"""Token classification (named-entity recognition): words in, a tag per word out, scored by entity.

A word's tag is the model's label for its first sub-word, as transformers' run_ner example trains
and evaluates it (the other sub-words carry no label). Sentences longer than the sequence length are
read in overlapping windows; a word seen by several windows takes the prediction of the window in
which it has the most context on both sides (BERT's "max context" rule for SQuAD windows). Labels
are aligned with the dataset's tag names by name, with classification's rules and messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.data.splits import Split
from harness.engine import batching as engine
from harness.engine.batching import Encoded
from harness.measures import entities
from harness.tasks.base import Predicted
from harness.tasks.classification import Alignment, align

OUTSIDE = "O"


@dataclass(frozen=True, kw_only=True)
class Windows:
    encoded: Encoded
    sentence_of: np.ndarray  # window -> sentence
    # per token of every window (laid out as encoded.ids): the index, in its sentence, of the word whose
    # first sub-word the token is; -1 for special tokens, later sub-words and a word cut by the window
    word_of: np.ndarray

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {**self.encoded.to_arrays(), "sentence_of": self.sentence_of, "word_of": self.word_of}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Windows:
        encoded = Encoded.from_arrays(arrays)
        sentence_of, word_of = arrays["sentence_of"], arrays["word_of"]
        if len(sentence_of) != len(encoded) or len(word_of) != len(encoded.ids):
            raise ValueError("windows, word positions and tokens do not match")
        return cls(encoded=encoded, sentence_of=sentence_of, word_of=word_of)


def stride_for(max_length: int) -> int:
    """Tokens two neighbouring windows share: a quarter of the window, so every word has context."""
    return max(1, max_length // 4)


def windows(tokenizer, sentences: Sequence[Sequence[str]], *, max_length: int) -> Windows:
    """Tokenize pre-split words, in windows of ``max_length`` tokens where a sentence is longer."""
    if not getattr(tokenizer, "is_fast", False):
        raise TypeError("token classification needs a fast tokenizer (word ids); this model folder has a slow one")
    encoded = tokenizer(
        [list(words) for words in sentences], is_split_into_words=True, truncation=True, max_length=max_length,
        stride=stride_for(max_length), return_overflowing_tokens=True, return_offsets_mapping=True,
    )  # fmt: skip
    word_of: list[int] = []
    for i, offsets in enumerate(encoded["offset_mapping"]):
        previous = None
        for word, (start, _) in zip(encoded.word_ids(i), offsets, strict=True):
            # A word's first sub-word starts at its first character; a window that begins inside a
            # word starts at a later sub-word, which must not speak for the word.
            first = word is not None and word != previous and start == 0
            word_of.append(word if first else -1)
            previous = word
    return Windows(
        encoded=Encoded.from_lists(encoded["input_ids"], encoded.get("token_type_ids"),
                                   pad_id=tokenizer.pad_token_id or 0),  # fmt: skip
        sentence_of=np.asarray(encoded["overflow_to_sample_mapping"], dtype=np.int64),
        word_of=np.asarray(word_of, dtype=np.int64),
    )


def word_logits(found: Windows, logits: Sequence[np.ndarray], lengths: Sequence[int]) -> list[np.ndarray]:
    """Per sentence, one row of logits per word (NaN for a word no window has a first sub-word of)."""
    classes = logits[0].shape[-1] if len(logits) else 0
    out = [np.full((n, classes), np.nan) for n in lengths]
    context = [np.full(n, -1) for n in lengths]
    starts = found.encoded.starts
    for window, sentence in enumerate(found.sentence_of.tolist()):
        words = found.word_of[starts[window] : starts[window + 1]]
        size = len(words)
        for position in np.flatnonzero(words >= 0).tolist():
            word = int(words[position])
            room = min(position, size - 1 - position)  # tokens of context on the nearer side
            if room > context[sentence][word]:
                context[sentence][word] = room
                out[sentence][word] = logits[window][position]
    return out


def tags(per_word: Sequence[np.ndarray], alignment: Alignment, names: Sequence[str]) -> list[list[str]]:
    """Each word's tag in the dataset's names (``names``); "O" for a word that got no sub-word at all."""
    order = list(alignment.model_index)
    found = []
    for rows in per_word:
        known = ~np.isnan(rows).any(axis=1) if len(rows) else np.zeros(0, dtype=bool)
        best = rows[:, order].argmax(axis=1) if len(rows) else np.zeros(0, dtype=int)
        found.append([names[int(b)] if ok else OUTSIDE for b, ok in zip(best, known, strict=True)])
    return found


def gold_tags(rows: Split) -> list[list[str]]:
    names = rows.label_names
    if names is None:
        raise ValueError("the dataset's tag column carries no names (a list of ClassLabel); entities need them")
    return [[names[int(v)] for v in sentence] for sentence in rows.labels]


def type_notes(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> str:
    strict = {t.kind: t.f1 for t in entities.by_type(gold, predicted, strict=True)}
    shown = "; ".join(
        f"{t.kind} P {t.precision:.4f} R {t.recall:.4f} F1 {t.f1:.4f} "
        f"(strict {strict.get(t.kind, 0.0):.4f}, {t.support})"
        for t in entities.by_type(gold, predicted)
    )
    return (f"per entity type (seqeval's default mode, its strict IOB2 F1 and the gold entities in brackets): "
            f"{shown or 'none'}")  # fmt: skip


@dataclass(frozen=True)
class TokenClassification:
    """Words in, one of the config's tags per word out, scored per entity as seqeval scores it."""

    name: str = "token-classification"
    text_columns: int = 1
    metrics: tuple[str, ...] = ("entity_f1", "entity_precision", "entity_recall", "entity_f1_strict", "token_accuracy")
    default_columns: tuple[tuple[str, ...], str] | None = (("tokens",), "ner_tags")  # CoNLL-2003's
    labelled: bool = False  # a row's label is a tag sequence: samples are drawn at random, not by label
    aligns_labels: bool = True
    example_metric: str = "entity_f1"  # right or wrong per sentence: every tag right (metrics.right_per_example)
    windowed: bool = True
    # Sentences are short, but bert-base is twice the depth of the other cards' models: a round of 8
    # stays near a second on 2 cores at true size.
    throughput_examples: int = 8
    features_type: Any = Windows

    def encode(self, tokenizer, rows: Split, *, claim, max_length: int) -> Windows:
        return windows(tokenizer, rows.inputs[claim.dataset.inputs[0]], max_length=max_length)

    def predict(self, predictor, encoded: Windows, rows: Split, *, claim, progress, shards) -> Predicted:
        gold = gold_tags(rows)
        alignment = align(predictor.id2label, rows.label_names, card_labels=claim.model.labels)
        result = engine.run(predictor, encoded.encoded, per_token=True, on_batch=progress(len(encoded.encoded)),
                            shards=shards)  # fmt: skip
        per_word = word_logits(encoded, result.outputs[0], [len(g) for g in gold])
        predicted = tags(per_word, alignment, rows.label_names)
        missing = sum(int(np.isnan(w).any(axis=1).sum()) for w in per_word if len(w))
        windows_note = f"{len(encoded.encoded)} windows for {len(rows)} sentences"
        notes = [alignment.note, windows_note, type_notes(gold, predicted)]
        if missing:
            notes.append(f"{missing} words have no token of their own (the tokenizer dropped them): tagged O")
        return Predicted(scores=entities.records(gold, predicted), predictions=[" ".join(t) for t in predicted],
                         notes=tuple(notes), features=len(encoded.encoded))  # fmt: skip

    def outputs(self, subject, columns: Sequence[Sequence[str]], *, max_length: int, as_one_batch: bool):
        found = windows(subject.tokenizer, [text.split() for text in columns[0]], max_length=max_length)
        return engine.run(subject.predictor, found.encoded, per_token=True, as_one_batch=as_one_batch).outputs

    def respond(self, subject, columns: Sequence[Sequence[str]]) -> object:
        """Each text's words (split at white space) with the model's own tag names."""
        return self.tag_texts(subject, columns[0])

    def tag_texts(self, subject, texts: Sequence[str], *, as_one_batch: bool = False) -> list[list[str]]:
        sentences = [text.split() for text in texts]
        found = windows(subject.tokenizer, sentences, max_length=subject.max_length)
        result = engine.run(subject.predictor, found.encoded, per_token=True, as_one_batch=as_one_batch)
        per_word = word_logits(found, result.outputs[0], [len(s) for s in sentences])
        labels = subject.labels
        identity = Alignment(model_index=tuple(range(len(labels))), by_name=False, note="")
        return tags(per_word, identity, labels)

    def same_prediction(self, mine: str, theirs: str) -> bool:
        return mine == theirs  # every tag of the sentence

    def claim_fields(self) -> dict[str, Any]:
        return {}

    def references(self, rows: Split) -> list[Any]:
        return [" ".join(t) for t in gold_tags(rows)]

    def rescore(self, metric: str, predictions: Sequence[str], rows: Split) -> np.ndarray:
        return entities.records(gold_tags(rows), [p.split(" ") if p else [] for p in predictions])

    def prediction_record(self, rows: Split, position: int, prediction: str, reference: Any) -> dict[str, Any]:
        words = list(next(iter(rows.inputs.values()))[position])
        return {"words": words, "gold": str(reference).split(" ") if words else [],
                "predicted": prediction.split(" ") if words else []}  # fmt: skip


TOKEN_CLASSIFICATION = TokenClassification()
