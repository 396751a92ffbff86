"""Stand-ins for named-entity recognition: CoNLL-2003-schema splits and a small trained cased BERT.

Sentences are made-up lower-case words with entities planted in them: capitalized names of four
types (PER, ORG, LOC, MISC), one to three words long, a cue word before most of them, and some
opening names shared between two types, so the model is right often but not always. Tags are IOB2 in the
dataset's label order; the model's config orders its labels as the real model does, which is not
the dataset's. A word's tag is trained on its first sub-word only (transformers' run_ner).

The reference is transformers' token-classification pipeline, one sentence at a time, with
``aggregation_strategy="none"``: each word takes the label of the token that starts it, i.e. its
first sub-word, which is how the card's figures were computed (run_ner evaluates the first
sub-word's label per word). "simple" would let later sub-words speak, and "first" splits a
CoNLL word such as "U.S." into the tokenizer's words. The reference's entities are grouped by the
pipeline's own ``group_entities`` and counted against the planted spans here, apart from the
harness's entity reader, so the expected value does not share the code it checks.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from harness.claims.model import Claim, DatasetRef
from harness.claims.vocabulary import EXPORTED_FROM_TORCH
from harness.replica import mirror as replica_mirror
from harness.replica.text import Text
from harness.replica.training import fit

TYPES = ("PER", "ORG", "LOC", "MISC")
NAMES_PER_TYPE = 8
SHARED_NAMES = 2  # names of each type that another type uses too: only the cue tells them apart
TRAIN_SENTENCES = 3000
ROWS = {"test": 400, "validation": 200}
DOCSTART = "-DOCSTART-"  # CoNLL's document separator, a one-word sentence tagged O, as in the real splits

Span = tuple[str, int, int]  # (type, first word, last word)


def lexicon(text: Text, rng: random.Random) -> dict[str, Any]:
    """Per type, the names that open its entities and those that continue them (capitalized, some of
    two vocabulary words run together so that they split into several sub-words), and its cue words."""
    size = NAMES_PER_TYPE
    pool = rng.sample(text.words, len(TYPES) * (2 * size + 2) + 40)
    chunks = [pool[i : i + size] for i in range(0, 2 * len(TYPES) * size, size)]
    named = [[w.capitalize() + (rng.choice(text.words) if j % 3 == 0 else "") for j, w in enumerate(c)] for c in chunks]
    firsts = {kind: named[2 * i] for i, kind in enumerate(TYPES)}
    rests = {kind: named[2 * i + 1] for i, kind in enumerate(TYPES)}
    for i, kind in enumerate(TYPES):  # a few names of the next type open this one's entities too
        firsts[kind] = firsts[kind] + firsts[TYPES[(i + 1) % len(TYPES)]][:SHARED_NAMES]
    start = 2 * len(TYPES) * size
    cues = {kind: pool[start + 2 * i : start + 2 * i + 2] for i, kind in enumerate(TYPES)}
    return {"firsts": firsts, "rests": rests, "cues": cues, "filler": [w for w in text.words if w not in pool]}


def sentence(found: dict[str, Any], rng: random.Random) -> tuple[list[str], list[Span]]:
    """Words and the planted entity spans of one sentence."""
    if rng.random() < 0.02:
        return [DOCSTART], []
    words = [rng.choice(found["filler"]) for _ in range(rng.randint(3, 18))]
    spans: list[Span] = []
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
        kind = rng.choice(TYPES)
        at = rng.choice([p for p in range(len(words) + 1) if not any(s < p <= e for _, s, e in spans)])
        entity = [rng.choice(found["firsts"][kind])]
        entity += [rng.choice(found["rests"][kind]) for _ in range(rng.choice([0, 0, 1, 2]))]
        cue = [rng.choice(found["cues"][kind])] if rng.random() < 0.85 else []
        spans = [(k, s + len(cue) + len(entity), e + len(cue) + len(entity)) if s >= at else (k, s, e)
                 for k, s, e in spans]  # fmt: skip
        words[at:at] = [*cue, *entity]
        spans.append((kind, at + len(cue), at + len(cue) + len(entity) - 1))
    if rng.random() < 0.05 and not any(e == len(words) - 1 for _, _, e in spans):
        words[-1] = "U.S."  # one CoNLL word, several tokenizer words: its tag is its first sub-word's
    return words, sorted(spans, key=lambda span: span[1])


def iob2(length: int, spans: Sequence[Span]) -> list[str]:
    tags = ["O"] * length
    for kind, first, last in spans:
        tags[first] = f"B-{kind}"
        for i in range(first + 1, last + 1):
            tags[i] = f"I-{kind}"
    return tags


def write_cased_tokenizer(folder: Path, text: Text) -> Path:
    """A cased WordPiece vocabulary: every word lower-case and capitalized, letters of both cases."""
    from transformers import BertTokenizerFast

    folder.mkdir(parents=True)
    letters = list(string.ascii_letters + string.digits + string.punctuation)
    words = [*text.words, *(w.capitalize() for w in text.words), DOCSTART]
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *letters, *("##" + c for c in letters), *words]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(str(folder / "vocab.txt"), do_lower_case=False, model_max_length=512)
    tokenizer.save_pretrained(folder)
    return folder


def train_model(folder: Path, repo: str, text: Text, found: dict[str, Any], seed: int) -> Path:
    """A 2-layer cased BERT tagging the planted entities, trained on first sub-words."""
    import torch
    from transformers import BertConfig, BertForTokenClassification, BertTokenizerFast

    vocab = write_cased_tokenizer(folder.parent / f"{folder.name}-tokenizer", text)
    tokenizer = BertTokenizerFast.from_pretrained(vocab)
    names = replica_mirror.model_labels(repo)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=128, max_position_embeddings=512, id2label=dict(enumerate(names)),
        label2id={name: i for i, name in enumerate(names)}, **replica_mirror.behaviour(repo),
    )  # fmt: skip
    rng = random.Random(f"{seed}:ner:train")
    sentences = [sentence(found, rng) for _ in range(TRAIN_SENTENCES)]
    encoded = tokenizer([w for w, _ in sentences], is_split_into_words=True, truncation=True, max_length=128,
                        padding=True, return_tensors="pt")  # fmt: skip
    index = {name: i for i, name in enumerate(names)}
    targets = []
    for i, (words, spans) in enumerate(sentences):
        tags, previous, row = iob2(len(words), spans), None, []
        for word in encoded.word_ids(i):
            row.append(-100 if word is None or word == previous else index[tags[word]])
            previous = word
        targets.append(row)
    torch.manual_seed(seed)
    model = BertForTokenClassification(config)
    inputs = {name: encoded[name] for name in ("input_ids", "token_type_ids", "attention_mask")}
    fit(model, inputs, {"labels": torch.tensor(targets)}, steps=300, batch_size=32, lr=3e-3, seed=seed)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    replica_mirror.dress(folder, repo)
    return folder


def reference(folder: Path, rows: Sequence[tuple[list[str], list[Span]]]) -> dict[str, list[Any]]:
    """transformers' token-classification pipeline, one sentence at a time: each word's tag and the
    sentence's entity and tag counts (the columns of measures.entities.COLUMNS), counted here."""
    from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

    tagger = pipeline(
        "token-classification", model=AutoModelForTokenClassification.from_pretrained(folder).eval(),
        tokenizer=AutoTokenizer.from_pretrained(folder), aggregation_strategy="none", device="cpu",
    )  # fmt: skip
    predictions, counts = [], []
    for words, spans in rows:
        starts = [sum(len(w) + 1 for w in words[:i]) for i in range(len(words))]
        by_start = {item["start"]: item["entity"] for item in (tagger(" ".join(words)) if words else [])}
        tags = [by_start.get(start, "O") for start in starts]
        predictions.append(" ".join(tags))
        counts.append(_counts(tagger, words, starts, tags, spans))
    return {"predictions": predictions, "scores": counts}


def _counts(tagger, words: list[str], starts: list[int], tags: list[str], gold: Sequence[Span]) -> list[int]:
    """Entities right, predicted and gold (the pipeline's grouping, then only groups opened by a B- tag
    for the strict mode), then tags right and tags."""
    word_at = {start: i for i, start in enumerate(starts)}
    items = [{"entity": t, "score": 1.0, "word": w, "start": s, "end": s + len(w)}
             for t, w, s in zip(tags, words, starts, strict=True)]  # fmt: skip
    groups = tagger.group_entities(items) if items else []
    predicted = set()
    for group in groups:
        if group["entity_group"] != "O":
            first = word_at[group["start"]]
            last = max(i for i, s in enumerate(starts) if s < group["end"])
            predicted.add((group["entity_group"], first, last, tags[first].startswith("B-")))
    loose = {(k, f, last) for k, f, last, _ in predicted}
    strict = {(k, f, last) for k, f, last, opened in predicted if opened}
    gold_set = set(gold)  # planted spans always open with B- (IOB2): one set for both modes
    right_tags = sum(t == g for t, g in zip(tags, iob2(len(words), gold), strict=True))
    return [len(loose & gold_set), len(loose), len(gold_set), len(strict & gold_set), len(strict), len(gold_set),
            right_tags, len(words)]  # fmt: skip


def splits_and_references(
    claims: Sequence[Claim], folders: dict[str, Path], found: dict[str, Any], seed: int,
    progress: Callable[[str], None],
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, dict[str, Any]]]]:  # fmt: skip
    """Each CoNLL-schema split (by repo, then file path) and every token-classification claim's reference."""
    datasets: dict[str, dict[str, Any]] = {}
    expected: dict[str, dict[str, dict[str, Any]]] = {}
    for ref in {c.dataset: None for c in claims}:
        rng = random.Random(f"{seed}:{ref.repo}:{ref.split}:ner")
        rows = [sentence(found, rng) for _ in range(ROWS.get(ref.split, 300))]
        datasets.setdefault(ref.repo, {})[f"{ref.config}/{ref.split}/0000.parquet"] = _table(ref, rows)
        references: dict[str, dict[str, list[Any]]] = {}
        for claim in (c for c in claims if c.dataset == ref):
            if claim.model.repo not in references:
                progress(f"reference pipeline: {claim.model.repo} on {ref.config}/{ref.split}")
                references[claim.model.repo] = reference(folders[claim.model.repo], rows)
            for backend in (b for b in claim.backends if b in ("torch", *EXPORTED_FROM_TORCH)):
                expected.setdefault(claim.id, {})[backend] = {
                    **references[claim.model.repo],
                    "reference": "transformers.pipeline('token-classification', aggregation_strategy='none') of the "
                    "torch checkpoint, one sentence at a time; a word's tag is its first sub-word's",
                }
    return datasets, expected


def _table(ref: DatasetRef, rows: Sequence[tuple[list[str], list[Span]]]) -> dict[str, Any]:
    import datasets

    names = replica_mirror.dataset_labels(ref.repo, ref.config)
    index = {name: i for i, name in enumerate(names)}
    tags = [[index[t] for t in iob2(len(words), spans)] for words, spans in rows]
    zeros = [[0] * len(words) for words, _ in rows]
    return {
        "columns": {"id": [str(i) for i in range(len(rows))], "tokens": [w for w, _ in rows], "pos_tags": zeros,
                    "chunk_tags": zeros, ref.label: tags},  # fmt: skip
        "features": {
            "id": datasets.Value("string"),
            "tokens": datasets.Sequence(datasets.Value("string")),
            # Part-of-speech and chunk tags are in the real schema; no claim reads them.
            "pos_tags": datasets.Sequence(datasets.Value("int32")),
            "chunk_tags": datasets.Sequence(datasets.Value("int32")),
            ref.label: datasets.Sequence(datasets.ClassLabel(names=names)),
        },
    }
