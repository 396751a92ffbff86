"""Build stand-ins for the registry's models and datasets in the Hugging Face Hub cache layout.

Stand-ins keep what the harness's code paths depend on (repo ids, file names, config fields, label
names and order, an uncased WordPiece tokenizer, dataset schemas) and are small enough to build in
seconds. Each stand-in model is trained briefly on synthetic text so its predictions are diverse and
confident; the dataset labels agree with the reference predictions on the share of rows the card
claims, so a label-order bug or damaged weights move the measured value far outside the tolerance.
The expected values come from the plain ``transformers`` pipeline, one example at a time.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import math
import random
import shutil
import string
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import __version__, replica_inc, replica_qa
from harness.backends.base import unavailable_reason
from harness.expected import write_manifest
from harness.registry import Claim, DatasetRef, Registry
from harness.replica_qa import EXTRA_WORDS
from harness.training import fit

REPLICA_FORMAT = 1

# Label names as the real artifacts carry them (models upper-case; GLUE's ClassLabel lower-case).
DATASET_LABELS: dict[tuple[str, str | None], list[str]] = {
    ("nyu-mll/glue", "sst2"): ["negative", "positive"],
    ("nyu-mll/glue", "mnli"): ["entailment", "neutral", "contradiction"],
    # The real split's 151 intent names were not available offline; these keep the count and the
    # "oos" class, which is what label alignment and the metric depend on.
    ("clinc/clinc_oos", "plus"): [f"intent_{i:03d}" for i in range(150)] + ["oos"],
}
MODEL_LABELS: dict[str, list[str]] = {
    "distilbert/distilbert-base-uncased-finetuned-sst-2-english": ["NEGATIVE", "POSITIVE"],
    # A different order from GLUE's ids on purpose: only alignment by name scores this model right.
    "typeform/distilbert-base-uncased-mnli": ["CONTRADICTION", "ENTAILMENT", "NEUTRAL"],
    "Adriana213/distilbert-base-uncased-finetuned-clinc": DATASET_LABELS[("clinc/clinc_oos", "plus")],
}
# Derived repos: the stand-in is made from another stand-in, as the real one was.
QUANTIZED_FROM = {
    "Intel/distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc": (
        "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
    ),
}
# Rows per replica split: the real size where it is small, fewer where a reference run would be slow.
ROWS = {"sst2": 872, "mnli": 1000, "plus": 3100}


@dataclass(frozen=True, kw_only=True)
class BuildReport:
    root: Path
    models: tuple[str, ...]
    datasets: tuple[str, ...]
    expected: dict[str, dict[str, float]]


@dataclass
class _Text:
    """Synthetic uncased text whose keywords carry the intended class."""

    rng: random.Random
    words: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        syllables = [
            "ka",
            "lo",
            "mi",
            "ne",
            "ru",
            "ta",
            "po",
            "si",
            "ve",
            "da",
            "jo",
            "fu",
            "be",
            "ri",
            "zo",
            "an",
            "el",
            "or",
            "un",
            "is",
            "ha",
            "gu",
            "wy",
            "te",
        ]
        self.words = sorted({a + b + c for a in syllables for b in syllables for c in ("", "n", "s")})
        self.rng.shuffle(self.words)
        self.words = sorted(self.words[:900])

    def keywords(self, classes: int, per_class: int = 3) -> list[list[str]]:
        pool = self.rng.sample(self.words, classes * per_class)
        return [pool[i * per_class : (i + 1) * per_class] for i in range(classes)]

    def sentence(self, keywords: Sequence[str], *, long: bool = False) -> str:
        length = self.rng.randint(150, 220) if long else self.rng.randint(4, 18)
        picks = [
            self.rng.choice(keywords) if self.rng.random() < 0.35 else self.rng.choice(self.words)
            for _ in range(length)
        ]
        picks[0] = picks[0].capitalize()  # the tokenizer must lower-case
        return " ".join(picks) + self.rng.choice([".", "!", "?", ""])


def build(out: Path, registry: Registry, *, seed: int = 0, progress: Callable[[str], None] = print) -> BuildReport:
    """Build the replica into ``out`` (an ``HF_HOME``-style root); replaces nothing outside it.

    It holds what this environment can build: ONNX stand-ins need onnxruntime, INC ones need
    Intel Neural Compressor (the ``inc`` tox environment).
    """
    import torch

    torch.manual_seed(seed)
    buildable = {"torch", *(name for name in ("onnx", "inc") if unavailable_reason(name) is None)}
    claims = [c for c in registry.select(checkable=True) if c.task in MODEL_TASKS and c.dataset is not None]
    hub = out / "hub"
    hub.mkdir(parents=True, exist_ok=True)
    text = _Text(random.Random(seed))
    files: dict[str, dict[str, str]] = {}  # repo -> path -> sha256, of every file written
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        vocab = _write_tokenizer(scratch / "tokenizer", text.words)
        folders: dict[str, Path] = {}
        references: dict[tuple[str, str], Path] = {}  # (repo, backend) -> folder the reference loads
        keywords: dict[tuple[str, str | None], list[list[str]]] = {}
        for repo in sorted({c.model.repo for c in claims} - set(QUANTIZED_FROM)):
            claim = next(c for c in claims if c.model.repo == repo)
            key = (claim.dataset.repo, claim.dataset.config)
            keywords.setdefault(key, text.keywords(len(DATASET_LABELS[key])))
            progress(f"training stand-in {repo}")
            folders[repo] = references[(repo, "torch")] = _train_model(
                scratch / repo, repo, claim, vocab, text, keywords[key], seed
            )
        splits = _unique(c.dataset for c in claims)
        rows = {
            ref: _split_rows(ref, [c for c in claims if c.dataset == ref], text, keywords[(ref.repo, ref.config)], seed)
            for ref in splits
        }  # fmt: skip
        variants = _quantized_stand_ins(claims, folders, references, rows, buildable, scratch, progress)
        datasets: dict[str, dict[str, Any]] = {}
        expected: dict[str, dict[str, dict[str, Any]]] = {}
        for ref in splits:
            rng = random.Random(f"{seed}:{ref.repo}:{ref.config}:{ref.split}:labels")
            on_split = [c for c in claims if c.dataset == ref]
            path, table, scores = _split(ref, on_split, rows[ref], references, rng, progress)
            datasets.setdefault(ref.repo, {})[path] = table
            for claim_id, per_backend in scores.items():
                expected.setdefault(claim_id, {}).update(per_backend)
        qa_claims = [c for c in registry.select(checkable=True) if c.task == "question-answering" and c.dataset]
        for repo in sorted({c.model.repo for c in qa_claims}):
            progress(f"training stand-in {repo}")
            folders[repo] = replica_qa.train_model(scratch / repo, vocab, text.words, seed)
        qa_datasets, qa_expected = replica_qa.splits_and_references(qa_claims, folders, text.words, seed, progress)
        for repo, tables in qa_datasets.items():
            datasets.setdefault(repo, {}).update(tables)
        expected.update(qa_expected)
        expected.update(_sizes(registry, folders, buildable))
        revisions = {repo: _write_repo(hub, "model", repo, folder, files) for repo, folder in folders.items()}
        for (repo, ref_name), folder in variants.items():
            _write_repo(hub, "model", repo, folder, files, ref=ref_name)
        for repo, tables in datasets.items():
            _write_repo(hub, "dataset", repo, tables, files)
    write_manifest(
        out,
        expected=expected,
        about={
            "format": REPLICA_FORMAT,
            "harness": __version__,
            "seed": seed,
            "models": revisions,
            "backends": sorted(buildable),
            "sha256": files,
            "reference": "transformers.pipeline, one example at a time; metric computed per example "
            "(classification: by label name; question answering: transformers' squad_metrics)",
        },
    )
    return BuildReport(
        root=out,
        models=tuple(sorted(folders)),
        datasets=tuple(sorted(datasets)),
        expected={cid: {b: v["value"] for b, v in per.items()} for cid, per in expected.items()},
    )


def _sizes(registry: Registry, folders: dict[str, Path], buildable: set[str]) -> dict[str, dict[str, Any]]:
    """Expected sizes: the bytes this builder wrote (or, for PyTorch, what torch.save writes)."""
    import io

    import torch
    from transformers import AutoModelForSequenceClassification

    expected: dict[str, dict[str, Any]] = {}
    for claim in registry.select(checkable=True):
        if claim.metric != "size_mib" or claim.model.repo not in folders:
            continue
        folder = folders[claim.model.repo]
        for backend in (b for b in claim.backends if b in buildable):
            if claim.file and (folder / claim.file).exists():
                size, how = (folder / claim.file).stat().st_size, f"bytes of {claim.file} as written"
            elif not claim.file and backend == "torch":
                buffer = io.BytesIO()
                torch.save(AutoModelForSequenceClassification.from_pretrained(folder).state_dict(), buffer)
                size, how = len(buffer.getvalue()), "bytes torch.save wrote for the state dict"
            else:
                continue
            expected.setdefault(claim.id, {})[backend] = {"value": size / 2**20, "reference": how}
    return expected


def _quantized_stand_ins(
    claims: Sequence[Claim],
    folders: dict[str, Path],
    references: dict[tuple[str, str], Path],
    rows: dict[DatasetRef, list[tuple[str, ...]]],
    buildable: set[str],
    scratch: Path,
    progress: Callable[[str], None],
) -> dict[tuple[str, str], Path]:
    """Intel's INT8 repo, made from the FP32 stand-in: ``model.onnx`` and the INC checkpoint.

    Its main revision holds the 2022-format INC file, as the real repo does; the current INC format
    is kept under the ref ``inc-current-format``. Returns those extra revisions' folders.
    """
    variants: dict[tuple[str, str], Path] = {}
    for repo, source in QUANTIZED_FROM.items():
        mine = [c for c in claims if c.model.repo == repo]
        if not mine:
            continue
        folder = folders[repo] = scratch / repo
        folder.mkdir(parents=True)
        for item in folders[source].iterdir():
            if item.suffix in (".json", ".txt"):
                shutil.copy2(item, folder / item.name)
        if "onnx" in buildable:
            progress(f"quantizing stand-in {repo} (ONNX dynamic INT8)")
            _quantized(folder, folders[source])
            references[(repo, "onnx")] = folder
        if "inc" in buildable:
            progress(f"quantizing stand-in {repo} (Intel Neural Compressor, static INT8)")
            claim = next(c for c in mine if "inc" in c.backends and c.dataset is not None)
            current = replica_inc.quantize(
                folders[source], scratch / f"{repo}-inc", calibration=rows[claim.dataset][:100],
                max_length=claim.max_seq_length or 128,
            )  # fmt: skip
            replica_inc.to_2022_format(current / "pytorch_model.bin", folder / "pytorch_model.bin")
            references[(repo, "inc")] = current
            variant = variants[(repo, "inc-current-format")] = scratch / f"{repo}-current"
            shutil.copytree(folder, variant)
            for name in ("pytorch_model.bin", "inc_config.json"):
                shutil.copy2(current / name, variant / name)
    return variants


MODEL_TASKS = ("text-classification", "text-pair-classification")


def _write_tokenizer(folder: Path, words: Sequence[str]) -> Path:
    from transformers import DistilBertTokenizerFast

    folder.mkdir(parents=True)
    letters = list(string.ascii_lowercase + string.digits + string.punctuation)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *letters, *("##" + c for c in letters), *words, *EXTRA_WORDS]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = DistilBertTokenizerFast(str(folder / "vocab.txt"), do_lower_case=True, model_max_length=512)
    tokenizer.save_pretrained(folder)
    return folder


def _train_model(
    folder: Path, repo: str, claim: Claim, vocab: Path, text: _Text, keywords: list[list[str]], seed: int
) -> Path:
    import torch
    from transformers import AutoTokenizer, DistilBertConfig, DistilBertForSequenceClassification

    names = MODEL_LABELS[repo]
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
        label2id={name: i for i, name in enumerate(names)},
    )
    torch.manual_seed(seed)
    model = DistilBertForSequenceClassification(config)
    model_index = {name.lower(): i for i, name in enumerate(names)}
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
    return folder


def _row(text: _Text, claim: Claim, keywords: Sequence[str], *, allow_long: bool = True) -> tuple[str, ...]:
    # A few evaluation rows longer than max_seq_length exercise truncation; training needs none.
    long = allow_long and text.rng.random() < 0.03
    if claim.task == "text-pair-classification":
        return text.sentence(text.words, long=long), text.sentence(keywords)
    return (text.sentence(keywords, long=long),)


def _quantized(folder: Path, source: Path) -> Path:
    from harness.backends.onnx_export import export, quantize_dynamic

    with tempfile.TemporaryDirectory() as work:
        exported = export(source, task="text-classification", work_dir=Path(work))
        quantize_dynamic(exported, out=folder)
    return folder


def _split_rows(
    ref: DatasetRef, claims: Sequence[Claim], text: _Text, keywords: list[list[str]], seed: int
) -> list[tuple[str, ...]]:
    """The rows of one split, the same for a seed whatever else the replica holds."""
    text.rng = random.Random(f"{seed}:{ref.repo}:{ref.config}:{ref.split}")
    names = DATASET_LABELS[(ref.repo, ref.config)]
    intended = [i % len(names) for i in range(ROWS[ref.config])]
    text.rng.shuffle(intended)
    return [_row(text, claims[0], keywords[c]) for c in intended]


def _split(
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
        kind = "fp32" if backend == "torch" or (backend == "onnx" and not claim.file) else backend
        key = (claim.model.repo, kind, claim.file)
        if key not in memo:
            folder = reference_folders[(claim.model.repo, "torch" if kind == "fp32" else backend)]
            progress(f"reference pipeline: {claim.model.repo} ({kind}) on {ref.config}/{ref.split}")
            memo[key] = _reference_scores(folder, _reference_model(folder, kind, claim.file), rows, claim)
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
            if (
                claim.model.repo,
                "torch" if backend == "onnx" and not claim.file else backend,
            ) not in reference_folders:
                continue  # not buildable in this environment
            scores = _score(claim.metric, reference(claim, backend), labels, names)
            expected.setdefault(claim.id, {})[backend] = {
                "value": sum(scores) / len(scores),
                "scores": scores,
                "reference": f"transformers.pipeline('text-classification'), {backend} {claim.file or ''}".strip(),
            }
    return path, _classification_table(ref, rows, labels, names), expected


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

    tokenizer = AutoTokenizer.from_pretrained(folder)
    classify = pipeline("text-classification", model=model, tokenizer=tokenizer, device="cpu")
    top, probabilities = [], []
    for row in rows:
        query = {"text": row[0], "text_pair": row[1]} if len(row) == 2 else row[0]
        result = classify(query, top_k=None, truncation=True, max_length=claim.max_seq_length or 512)
        top.append(result[0]["label"])
        probabilities.append({item["label"].lower(): item["score"] for item in result})
    return {"labels": top, "probabilities": probabilities}


def _labels(predicted: Sequence[str], names: Sequence[str], *, share: float, rng: random.Random) -> list[int]:
    index = {name.lower(): i for i, name in enumerate(names)}
    agree = set(rng.sample(range(len(predicted)), round(share * len(predicted))))
    labels = []
    for i, label in enumerate(predicted):
        mine = index[label.lower()]
        labels.append(mine if i in agree else rng.choice([j for j in range(len(names)) if j != mine]))
    return labels


def _score(metric: str, reference: dict[str, list[Any]], labels: Sequence[int], names: Sequence[str]) -> list[float]:
    # Computed here, apart from harness.metrics, so the reference does not share the code it checks.
    if metric == "accuracy":
        return [float(p.lower() == names[y].lower()) for p, y in zip(reference["labels"], labels, strict=True)]
    if metric == "eval_loss":
        return [
            -math.log(max(p[names[y].lower()], 1e-45)) for p, y in zip(reference["probabilities"], labels, strict=True)
        ]
    raise ValueError(f"the replica has no reference for metric {metric!r}")


def _unique(items: Iterable[Any]) -> list[Any]:
    seen: list[Any] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def _parquet_bytes(split: dict[str, Any]) -> bytes:
    """Write a split's columns with its ``datasets`` features, which parquet keeps as metadata."""
    import datasets

    datasets.disable_progress_bars()
    table = datasets.Dataset.from_dict(split["columns"], features=datasets.Features(split["features"]))
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "split.parquet"
        table.to_parquet(str(target))
        return target.read_bytes()


def _classification_table(ref: DatasetRef, rows, labels: list[int], names: list[str]) -> dict[str, Any]:
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


def _write_repo(
    hub: Path, repo_type: str, repo: str, content: Path | dict[str, Any], written: dict, *, ref: str = "main"
) -> str:
    """Lay files out as huggingface_hub does: blobs by hash, a snapshot of links, refs/main."""
    if isinstance(content, Path):
        files = {p.relative_to(content).as_posix(): p.read_bytes() for p in sorted(content.rglob("*")) if p.is_file()}
    else:
        files = {path: _parquet_bytes(split) for path, split in content.items()}
    digests = {path: hashlib.sha256(data).hexdigest() for path, data in files.items()}
    revision = hashlib.sha1(json.dumps(sorted(digests.items())).encode()).hexdigest()
    storage = hub / f"{repo_type}s--{repo.replace('/', '--')}"
    for path, data in files.items():
        blob = storage / "blobs" / digests[path]
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(data)
        link = storage / "snapshots" / revision / path
        link.parent.mkdir(parents=True, exist_ok=True)
        link.unlink(missing_ok=True)
        link.symlink_to(Path(*[".."] * (len(Path(path).parts) + 1), "blobs", digests[path]))
    (storage / "refs").mkdir(parents=True, exist_ok=True)
    (storage / "refs" / ref).write_text(revision, encoding="utf-8")
    written.setdefault(f"{repo_type}s/{repo}@{ref}", {}).update(digests)
    return revision
