"""Classification stand-ins: small DistilBERTs trained on keyword text, and splits labelled against them.

Each model is trained for seconds so its predictions are diverse and confident. A split's labels
agree with the reference predictions on the share of rows the card claims, so a label-order bug or
damaged weights move the measured value far outside the tolerance. Expected values come from the
plain ``transformers`` pipeline, one example at a time, scored here by label name.
"""

from __future__ import annotations

import fnmatch
import math
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from harness.claims.model import Claim, DatasetRef
from harness.claims.vocabulary import EXPORTED_FROM_TORCH
from harness.replica import mirror as replica_mirror
from harness.replica.text import Text
from harness.replica.training import fit

# Label names as the real artifacts carry them (real_repos.yaml): models upper-case, or numbers
# where the real config has only numbers; GLUE's ClassLabel lower-case; CLINC's 151 intents in order.
DATASET_LABELS: dict[tuple[str, str | None], list[str]] = {
    key: replica_mirror.dataset_labels(*key)
    for key in (("nyu-mll/glue", "sst2"), ("nyu-mll/glue", "mnli"), ("clinc/clinc_oos", "plus"))
}
# Rows per replica split: the real size where it is small, fewer where a reference run would be slow.
ROWS = {"sst2": 872, "mnli": 1000, "plus": 3100}


MODEL_TASKS = ("text-classification", "text-pair-classification")


def train_model(
    folder: Path, repo: str, claim: Claim, vocab: Path, text: Text, keywords: list[list[str]], seed: int
) -> Path:
    import torch
    from transformers import AutoTokenizer, DistilBertConfig, DistilBertForSequenceClassification

    names = replica_mirror.model_labels(repo)
    dataset_names = DATASET_LABELS[(claim.dataset.repo, claim.dataset.config)]
    tokenizer = AutoTokenizer.from_pretrained(vocab)
    config = DistilBertConfig(
        vocab_size=tokenizer.vocab_size,
        dim=64,
        n_layers=2,
        n_heads=4,
        hidden_dim=128,
        max_position_embeddings=512,
        id2label=dict(enumerate(names)),
        label2id={str(name): i for i, name in enumerate(names)},
        **replica_mirror.behaviour(repo),
    )
    torch.manual_seed(seed)
    model = DistilBertForSequenceClassification(config)
    model_index = {_named(name, dataset_names).lower(): i for i, name in enumerate(names)}
    rows, targets = [], []
    for i in range(max(2000, 12 * len(names))):
        intended = i % len(names)
        rows.append(_row(text, claim, keywords[intended], allow_long=False))
        targets.append(model_index[dataset_names[intended].lower()])
    encoded = tokenizer(*zip(*rows, strict=True), truncation=True, max_length=64, padding=True, return_tensors="pt")
    inputs = {"input_ids": encoded.input_ids, "attention_mask": encoded.attention_mask}
    fit(model, inputs, {"labels": torch.tensor(targets)}, steps=350, batch_size=64, lr=3e-3, seed=seed)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    replica_mirror.dress(folder, repo)
    return folder


def _named(label: Any, names: Sequence[str]) -> str:
    """A label as the pipeline reports it, as the dataset spells it: a label that is only a number
    (Intel's INT8 config: ``{"0": 0, "1": 1}``) is the id the pipeline found, so it means the
    dataset's label at that index; a name means the dataset's label of that name, in any case."""
    if str(label).isdigit():
        return names[int(label)]
    return next((name for name in names if name.lower() == str(label).lower()), str(label))


def _row(text: Text, claim: Claim, keywords: Sequence[str], *, allow_long: bool = True) -> tuple[str, ...]:
    # A few evaluation rows longer than max_seq_length exercise truncation; training needs none.
    long = allow_long and text.rng.random() < 0.03
    if claim.task == "text-pair-classification":
        return text.sentence(text.words, long=long), text.sentence(keywords)
    return (text.sentence(keywords, long=long),)


def split_rows(
    ref: DatasetRef, claims: Sequence[Claim], text: Text, keywords: list[list[str]], seed: int
) -> list[tuple[str, ...]]:
    """The rows of one split, the same for a seed whatever else the replica holds."""
    text.rng = random.Random(f"{seed}:{ref.repo}:{ref.config}:{ref.split}")
    names = DATASET_LABELS[(ref.repo, ref.config)]
    intended = [i % len(names) for i in range(ROWS[ref.config])]
    text.rng.shuffle(intended)
    return [_row(text, claims[0], keywords[c]) for c in intended]


def split(
    ref: DatasetRef,
    claims: Sequence[Claim],
    rows: Sequence[tuple[str, ...]],
    reference_folders: dict[tuple[str, str], Path],
    rng: random.Random,
    progress: Callable[[str], None],
) -> tuple[str, dict[str, Any], dict[str, dict[str, dict[str, Any]]]]:
    """Label one split and score every claim's reference on it.

    ``reference_folders`` maps (repo, backend) to the folder the reference model loads from; a
    backend missing there cannot be built in this environment and gets no expected value.
    """
    names = DATASET_LABELS[(ref.repo, ref.config)]
    memo: dict[tuple[str, str, str | None], dict[str, list[Any]]] = {}

    def reference(claim: Claim, backend: str) -> dict[str, list[Any]]:
        source = _reference_source(claim, backend)
        key = (claim.model.repo, source, claim.file)
        if key not in memo:
            folder = reference_folders[(claim.model.repo, source)]
            progress(f"reference pipeline: {claim.model.repo} ({source}) on {ref.config}/{ref.split}")
            memo[key] = _reference_scores(folder, _reference_model(folder, source, claim.file), rows, claim)
        return memo[key]

    # The labels follow the FP32 reference of the split's first full-precision claim, agreeing on
    # the share of rows that claim states, so its expected value is the card's own figure.
    anchor = next(c for c in claims if c.file is None and c.metric == "accuracy")
    labels = _labels(reference(anchor, "torch")["labels"], names, share=anchor.value, rng=rng)
    path = f"{ref.config}/{ref.split}-00000-of-00001.parquet"
    assert fnmatch.fnmatch(path, ref.files), (path, ref.files)
    expected: dict[str, dict[str, dict[str, Any]]] = {}
    for claim in claims:
        for backend in claim.backends:
            if (claim.model.repo, _reference_source(claim, backend)) not in reference_folders:
                continue  # not buildable in this environment
            found = reference(claim, backend)
            scores = _score(claim.metric, found, labels, names)
            expected.setdefault(claim.id, {})[backend] = {
                "value": sum(scores) / len(scores),
                "scores": scores,
                # what a replica run must predict, example by example, as the dataset names labels
                "predictions": [_named(label, names) for label in found["labels"]],
                "reference": f"transformers.pipeline('text-classification'), {backend} {claim.file or ''}".strip(),
            }
    return path, _table(ref, rows, labels, names), expected


def _reference_source(claim: Claim, backend: str) -> str:
    """The backend whose model the reference runs: an ONNX or OpenVINO export is checked against its
    FP32 source."""
    return "torch" if backend in EXPORTED_FROM_TORCH and not claim.file else backend


def _reference_model(folder: Path, backend: str, file: str | None):
    """The model object the reference pipeline runs: a transformers, ORT or INC model."""
    if backend == "inc":
        from optimum.intel import INCModelForSequenceClassification

        return INCModelForSequenceClassification.from_pretrained(folder)
    if backend == "onnx" and file:
        from optimum.onnxruntime import ORTModelForSequenceClassification

        return ORTModelForSequenceClassification.from_pretrained(folder, file_name=file)
    from transformers import AutoModelForSequenceClassification

    return AutoModelForSequenceClassification.from_pretrained(folder).eval()


def _reference_scores(folder: Path, model, rows: Sequence[tuple[str, ...]], claim: Claim) -> dict[str, list[Any]]:
    """The plain pipeline, one example at a time: the top label and every label's probability."""
    from transformers import AutoTokenizer, pipeline

    names = DATASET_LABELS[(claim.dataset.repo, claim.dataset.config)]
    tokenizer = AutoTokenizer.from_pretrained(folder)
    classify = pipeline("text-classification", model=model, tokenizer=tokenizer, device="cpu")
    top, probabilities = [], []
    for row in rows:
        query = {"text": row[0], "text_pair": row[1]} if len(row) == 2 else row[0]
        result = classify(query, top_k=None, truncation=True, max_length=claim.max_seq_length or 512)
        top.append(str(result[0]["label"]))  # as the config names it: a name, or a number
        probabilities.append({_named(item["label"], names).lower(): item["score"] for item in result})
    return {"labels": top, "probabilities": probabilities}


def _labels(predicted: Sequence[str], names: Sequence[str], *, share: float, rng: random.Random) -> list[int]:
    index = {name.lower(): i for i, name in enumerate(names)}
    predicted = [_named(label, names) for label in predicted]
    agree = set(rng.sample(range(len(predicted)), round(share * len(predicted))))
    labels = []
    for i, label in enumerate(predicted):
        mine = index[label.lower()]
        labels.append(mine if i in agree else rng.choice([j for j in range(len(names)) if j != mine]))
    return labels


def _score(metric: str, reference: dict[str, list[Any]], labels: Sequence[int], names: Sequence[str]) -> list[float]:
    # Computed here, apart from harness.metrics, so the reference does not share the code it checks.
    if metric == "accuracy":
        pairs = zip(reference["labels"], labels, strict=True)
        return [float(_named(p, names).lower() == names[y].lower()) for p, y in pairs]
    if metric == "eval_loss":
        return [
            -math.log(max(p[names[y].lower()], 1e-45)) for p, y in zip(reference["probabilities"], labels, strict=True)
        ]
    raise ValueError(f"the replica has no reference for metric {metric!r}")


def _table(ref: DatasetRef, rows, labels: list[int], names: list[str]) -> dict[str, Any]:
    import datasets

    columns = {name: [row[i] for row in rows] for i, name in enumerate(ref.inputs)}
    return {
        "columns": {**columns, ref.label: labels, "idx": list(range(len(labels)))},
        "features": {
            **{name: datasets.Value("string") for name in ref.inputs},
            ref.label: datasets.ClassLabel(names=list(names)),
            "idx": datasets.Value("int32"),
        },
    }
