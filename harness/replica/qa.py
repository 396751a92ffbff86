"""Stand-ins for extractive QA: a SQuAD-schema split with long contexts and a small trained BERT.

Each context plants one sentence "<subject> is known as <answer> ." and the question asks "What is
<subject> known as?"; contexts are long enough that most questions need several windows. The gold
answers are the planted span and its first word (so the best-of-golds rule is exercised). Expected
values come from transformers' question-answering pipeline, one question at a time, scored with
transformers' squad_metrics, apart from the harness's own post-processing and metric.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.claims.model import Claim
from harness.claims.vocabulary import EXPORTED_FROM_TORCH
from harness.replica.training import fit

MARKER = ("is", "known", "as")
QUESTION_WORDS = ("what",)
EXTRA_WORDS = (*MARKER, *QUESTION_WORDS)
TRAIN_QUESTIONS = 2400
ANSWER_WORDS = 30
EVAL_QUESTIONS = 240


def question(
    words: Sequence[str], rng: random.Random, *, context_words: tuple[int, int], planted: bool = True
) -> dict[str, Any]:
    """One SQuAD-style row: id, title, context, question, answers{text, answer_start}."""
    # The answer is one word from a part of the vocabulary kept for answers: a window boundary can
    # then never cut it in two, and a small model learns to find it in seconds. (The QA pipeline
    # adds up the scores of candidates with the same text across windows; a cut answer would make
    # it disagree with span-based post-processing for reasons of its own.)
    answer_words, other_words = words[:ANSWER_WORDS], words[ANSWER_WORDS:]
    subject, answer = rng.choice(other_words), rng.choice(answer_words)
    sentences = _sentences([rng.choice(other_words) for _ in range(rng.randint(*context_words))], rng)
    answers: dict[str, list] = {"text": [], "answer_start": []}
    if planted:
        position = rng.randint(0, len(sentences))
        before = " ".join(sentences[:position])
        sentences.insert(position, f"{subject.capitalize()} is known as {answer}.")
        start = len(before) + (1 if before else 0) + len(subject) + len(" is known as ")
        # A second, longer gold span, as SQuAD's several annotators give: the best one counts.
        answers = {"text": [answer, f"as {answer}"], "answer_start": [start, start - 3]}
    context = " ".join(sentences)
    assert not planted or context[start : start + len(answer)] == answer
    return {
        "id": hashlib.sha1(f"{context}|{subject}".encode()).hexdigest()[:24],
        "title": subject.capitalize(),
        "context": context,
        "question": f"What is {subject} known as?",
        "answers": answers,
    }


def _sentences(filler: Sequence[str], rng: random.Random) -> list[str]:
    sentences, current = [], []
    for word in filler:
        current.append(word)
        if len(current) >= rng.randint(6, 14):
            sentences.append(" ".join(current).capitalize() + ".")
            current = []
    if current:
        sentences.append(" ".join(current).capitalize() + ".")
    return sentences


def rows(
    words: Sequence[str], seed: int, count: int, *, context_words: tuple[int, int], unanswerable: float = 0.0
) -> list[dict[str, Any]]:
    rng = random.Random(f"{seed}:squad:{count}:{context_words}")
    return [
        question(words, rng, context_words=context_words, planted=rng.random() >= unanswerable) for _ in range(count)
    ]


def train_model(folder: Path, repo: str, vocab: Path, words: Sequence[str], seed: int) -> Path:
    """A 2-layer BERT trained for a few seconds to find the planted answer span."""
    import torch
    from transformers import BertForQuestionAnswering

    from harness.replica import mirror as replica_mirror
    from harness.replica.text import tiny_bert

    tokenizer, config = tiny_bert(vocab, **replica_mirror.behaviour(repo))  # trained as the real config says
    # As in transformers' run_qa, a window without the answer is taught to point at [CLS]; a share of
    # the training rows are such windows, which is what makes answers comparable across windows.
    examples = rows(words, seed, TRAIN_QUESTIONS, context_words=(20, 60), unanswerable=0.3)
    encoded = tokenizer(
        [r["question"] for r in examples],
        [r["context"] for r in examples],
        truncation="only_second",
        max_length=128,
        padding=True,
        return_offsets_mapping=True,
        return_tensors="pt",
    )
    starts, ends = _token_positions(encoded, examples)
    torch.manual_seed(seed)
    model = BertForQuestionAnswering(config)
    inputs = {name: encoded[name] for name in ("input_ids", "token_type_ids", "attention_mask")}
    targets = {"start_positions": starts, "end_positions": ends}
    fit(model, inputs, targets, steps=300, batch_size=32, lr=2e-3, seed=seed)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    replica_mirror.dress(folder, repo)
    return folder


def _token_positions(encoded, examples: Sequence[dict[str, Any]]):
    import torch

    starts, ends = [], []
    for i, example in enumerate(examples):
        if not example["answers"]["text"]:
            starts.append(0)  # [CLS]
            ends.append(0)
            continue
        first = example["answers"]["answer_start"][0]
        last = first + len(example["answers"]["text"][0])
        sides = encoded.sequence_ids(i)
        spans = encoded["offset_mapping"][i].tolist()
        context = [t for t, side in enumerate(sides) if side == 1]
        starts.append(next(t for t in context if spans[t][0] == first))
        ends.append(next(t for t in context if spans[t][1] == last))
    return torch.tensor(starts), torch.tensor(ends)


def reference_scores(folder: Path, examples: Sequence[dict[str, Any]], claim: Claim) -> dict[str, list[Any]]:
    """transformers' QA pipeline, one question at a time, scored per question with squad_metrics."""
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer, pipeline
    from transformers.data.metrics import squad_metrics

    answer = pipeline(
        "question-answering",
        model=AutoModelForQuestionAnswering.from_pretrained(folder).eval(),
        tokenizer=AutoTokenizer.from_pretrained(folder),
        device="cpu",
    )
    settings = claim.qa
    predictions, f1, exact = [], [], []
    for example in examples:
        result = answer(
            question=example["question"],
            context=example["context"],
            max_seq_len=claim.max_seq_length,
            doc_stride=settings.doc_stride,
            max_answer_len=settings.max_answer_length,
            max_question_len=settings.max_query_length,
        )
        golds = example["answers"]["text"]
        predictions.append(result["answer"])
        f1.append(100.0 * max(squad_metrics.compute_f1(g, result["answer"]) for g in golds))
        exact.append(100.0 * max(squad_metrics.compute_exact(g, result["answer"]) for g in golds))
    return {"answers": predictions, "f1": f1, "exact_match": exact}


def splits_and_references(
    claims: Sequence[Claim], folders: dict[str, Path], words: Sequence[str], seed: int, progress
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, dict[str, Any]]]]:
    """Each SQuAD-schema split (by repo, then file path) and every QA claim's reference scores."""
    datasets: dict[str, dict[str, Any]] = {}
    expected: dict[str, dict[str, dict[str, Any]]] = {}
    for ref in {c.dataset: None for c in claims}:
        on_split = [c for c in claims if c.dataset == ref]
        examples = rows(words, seed, EVAL_QUESTIONS, context_words=(250, 600))
        # Gold answers agree with the planted answer on the share of questions the card's F1 states;
        # the others name another span, so a broken model or post-processing moves F1 far from it.
        anchor = next((c for c in on_split if c.metric == "f1"), on_split[0])
        _disagree(examples, share=anchor.value / 100.0, rng=random.Random(f"{seed}:{ref.repo}:golds"))
        path = f"{ref.config}/{ref.split}-00000-of-00001.parquet"
        datasets.setdefault(ref.repo, {})[path] = _table(examples)
        references: dict[str, dict[str, list[Any]]] = {}
        for claim in on_split:
            if claim.model.repo not in references:
                progress(f"reference pipeline: {claim.model.repo} on {ref.config}/{ref.split}")
                references[claim.model.repo] = reference_scores(folders[claim.model.repo], examples, claim)
            found = references[claim.model.repo]
            scores = found[claim.metric]
            for backend in (b for b in claim.backends if b in ("torch", *EXPORTED_FROM_TORCH)):
                expected.setdefault(claim.id, {})[backend] = {
                    "value": sum(scores) / len(scores),
                    "scores": scores,
                    "predictions": found["answers"],  # what a replica run must answer, question by question
                    "reference": "transformers.pipeline('question-answering') scored with squad_metrics",
                }
    return datasets, expected


def _disagree(examples: list[dict[str, Any]], *, share: float, rng: random.Random) -> None:
    for index in rng.sample(range(len(examples)), len(examples) - round(share * len(examples))):
        example = examples[index]
        start = example["context"].index(example["title"] + " is known as")
        other = example["title"]
        example["answers"] = {"text": [other, f"{other} is"], "answer_start": [start, start]}


def _table(examples: Sequence[dict[str, Any]]) -> dict[str, Any]:
    import datasets

    names = ("id", "title", "context", "question")
    return {
        "columns": {**{n: [e[n] for e in examples] for n in names}, "answers": [e["answers"] for e in examples]},
        "features": {
            **{n: datasets.Value("string") for n in names},
            "answers": datasets.Sequence({"text": datasets.Value("string"), "answer_start": datasets.Value("int32")}),
        },
    }
