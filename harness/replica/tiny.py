"""Build stand-ins for the registry's models and datasets in the Hugging Face Hub cache layout.

Stand-ins keep what the harness's code paths depend on (repo ids, file names, config fields, label
names and order, an uncased WordPiece tokenizer, dataset schemas) and are small enough to build in
seconds. This module assembles them (replica_classification, replica_qa, replica_inc make them),
writes them as huggingface_hub lays out its cache, and records the reference values in a manifest.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import __version__
from harness.backends.base import LOADERS, unavailable_reason
from harness.claims.model import Claim, DatasetRef, Registry
from harness.replica import classification
from harness.replica import inc as replica_inc
from harness.replica import mirror as replica_mirror
from harness.replica import ner as replica_ner
from harness.replica import qa as replica_qa
from harness.replica import sparse as replica_sparse
from harness.replica.manifest import write_manifest
from harness.replica.text import Text, write_tokenizer

REPLICA_FORMAT = 1


def quantized_from(claims: Iterable[Claim]) -> dict[str, str]:
    """Quantized repo -> the FP32 repo its card says it was made from: its stand-in is made from
    that stand-in, as the real one was."""
    return {c.model.repo: c.model.quantized_from for c in claims if c.model.quantized_from}


@dataclass(frozen=True, kw_only=True)
class BuildReport:
    root: Path
    models: tuple[str, ...]
    datasets: tuple[str, ...]
    expected: dict[str, dict[str, float]]


def build(out: Path, registry: Registry, *, seed: int = 0, progress: Callable[[str], None] = print) -> BuildReport:
    """Build the replica into ``out`` (an ``HF_HOME``-style root); replaces nothing outside it.

    It holds what this environment can build: ONNX stand-ins need onnxruntime, INC ones need
    Intel Neural Compressor (the ``inc`` tox environment).
    """
    import torch

    torch.manual_seed(seed)
    buildable = buildable_backends()
    # Relative claims measure the models of other claims and need no stand-in or reference of their own.
    checkable = [c for c in registry.select(checkable=True) if c.relative is None]
    claims = [c for c in checkable if c.task in classification.MODEL_TASKS and c.suite == "accuracy"]
    hub = out / "hub"
    hub.mkdir(parents=True, exist_ok=True)
    text = Text(random.Random(seed))
    files: dict[str, dict[str, str]] = {}  # repo -> path -> sha256, of every file written
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        vocab = write_tokenizer(scratch / "tokenizer", [*text.words, *replica_qa.EXTRA_WORDS])
        folders, variants, datasets, expected = _classification_stand_ins(
            claims, scratch=scratch, vocab=vocab, text=text, buildable=buildable, seed=seed, progress=progress
        )
        qa_claims = [c for c in checkable if c.task == "question-answering" and c.suite == "accuracy"]
        for repo in sorted({c.model.repo for c in qa_claims}):
            progress(f"training stand-in {repo}")
            folders[repo] = replica_qa.train_model(scratch / repo, repo, vocab, text.words, seed)
        for claim in (c for c in checkable if c.metric == "sparsity"):
            progress(f"pruning stand-in {claim.model.repo} to {claim.value:.0%} sparsity")
            folders[claim.model.repo] = replica_sparse.pruned_model(
                scratch / claim.model.repo, claim.model.repo, vocab, fraction=claim.value, seed=seed
            )
        qa_datasets, qa_expected = replica_qa.splits_and_references(qa_claims, folders, text.words, seed, progress)
        ner_datasets, ner_expected = _ner_stand_ins(checkable, folders, scratch, text, seed, progress)
        for repo, tables in (*qa_datasets.items(), *ner_datasets.items()):
            datasets.setdefault(repo, {}).update(tables)
        expected.update(qa_expected)
        expected.update(ner_expected)
        expected.update(sizes(registry, folders, buildable))
        revisions = {repo: write_repo(hub, "model", repo, folder, files) for repo, folder in folders.items()}
        for (repo, ref_name), folder in variants.items():
            write_repo(hub, "model", repo, folder, files, ref=ref_name)
        # A dataset's files lie on the branch its card names (CoNLL-2003's parquet conversion branch).
        branches = {c.dataset.repo: c.dataset.revision or "main" for c in checkable if c.dataset is not None}
        for repo, tables in datasets.items():
            write_repo(hub, "dataset", repo, tables, files, ref=branches.get(repo, "main"))
    about = {
        "format": REPLICA_FORMAT, "harness": __version__, "seed": seed, "models": revisions,
        "backends": sorted(buildable), "sha256": files,
        "reference": "transformers.pipeline, one example at a time; metric computed per example "
        "(classification: by label name; question answering: transformers' squad_metrics)",
    }  # fmt: skip
    write_manifest(out, expected=expected, about=about, claims=registry.claims)
    return BuildReport(
        root=out,
        models=tuple(sorted(folders)),
        datasets=tuple(sorted(datasets)),
        expected={cid: {b: v.get("value") for b, v in per.items()} for cid, per in expected.items()},
    )


def _classification_stand_ins(
    claims: list[Claim], *, scratch: Path, vocab: Path, text: Text, buildable: set[str] | frozenset[str], seed: int,
    progress: Callable[[str], None],
) -> tuple[dict[str, Path], dict, dict[str, dict[str, Any]], dict[str, dict[str, dict[str, Any]]]]:  # fmt: skip
    """Train the classification stand-ins, derive their quantized variants, and write their splits with
    the reference pipeline's prediction for every example: (folders, variants, datasets, expected)."""
    folders: dict[str, Path] = {}
    references: dict[tuple[str, str], Path] = {}  # (repo, backend) -> folder the reference loads
    keywords: dict[tuple[str, str | None], list[list[str]]] = {}
    for repo in sorted({c.model.repo for c in claims} - set(quantized_from(claims))):
        claim = next(c for c in claims if c.model.repo == repo)
        key = (claim.dataset.repo, claim.dataset.config)
        keywords.setdefault(key, text.keywords(len(classification.DATASET_LABELS[key])))
        progress(f"training stand-in {repo}")
        folders[repo] = references[(repo, "torch")] = classification.train_model(
            scratch / repo, repo, claim, vocab, text, keywords[key], seed
        )
    splits = _unique(c.dataset for c in claims)
    rows = {}
    for ref in splits:
        on_split = [c for c in claims if c.dataset == ref]
        rows[ref] = classification.split_rows(ref, on_split, text, keywords[(ref.repo, ref.config)], seed)
    variants = quantized_stand_ins(claims, folders, references, rows, buildable, scratch, progress)
    datasets: dict[str, dict[str, Any]] = {}
    expected: dict[str, dict[str, dict[str, Any]]] = {}
    for ref in splits:
        rng = random.Random(f"{seed}:{ref.repo}:{ref.config}:{ref.split}:labels")
        on_split = [c for c in claims if c.dataset == ref]
        path, table, scores = classification.split(ref, on_split, rows[ref], references, rng, progress)
        datasets.setdefault(ref.repo, {})[path] = table
        for claim_id, per_backend in scores.items():
            expected.setdefault(claim_id, {}).update(per_backend)
    return folders, variants, datasets, expected


def _ner_stand_ins(
    checkable: list[Claim], folders: dict[str, Path], scratch: Path, text: Text, seed: int,
    progress: Callable[[str], None],
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, dict[str, Any]]]]:  # fmt: skip
    """Train the token-classification stand-ins (into ``folders``); their splits and references."""
    claims = [c for c in checkable if c.task == "token-classification" and c.suite == "accuracy"]
    if not claims:
        return {}, {}
    found = replica_ner.lexicon(text, random.Random(f"{seed}:ner"))
    for repo in sorted({c.model.repo for c in claims}):
        progress(f"training stand-in {repo}")
        folders[repo] = replica_ner.train_model(scratch / repo, repo, text, found, seed)
    return replica_ner.splits_and_references(claims, folders, found, seed, progress)


def buildable_backends() -> set[str]:
    """The backends whose stand-ins this environment can make."""
    return {"torch", *(name for name in LOADERS if unavailable_reason(name) is None)}


# Why a stand-in cannot hold a size claim to the card, by what the claim measures.
TINY_SIZE = (
    "the tiny stand-in is a few MB where the real model is hundreds: a size is checked on the true-size "
    "stand-in (`pytest -m latency --harness-hub replica`) or on the real file"
)
ONNX_RECIPE = (
    "the card's ONNX INT8 file was quantized by Intel Neural Compressor's own ONNX quantizer, which also "
    "makes QAttention and quantizes more of the graph than ONNX Runtime's static quantizer can (the real "
    "file's 88.6 MiB implies the embeddings too); the stand-in follows Intel's recipe with ONNX Runtime's "
    "quantizer, which keeps Attention and the embeddings in FP32, so its size is not the card's: the size "
    "is checkable only on the real file"
)


def sizes(registry: Registry, folders: dict[str, Path], buildable: set[str], *, true_size: bool = False) -> dict:
    """Per size claim and backend: held to the card's figure, or why the stand-in cannot check it.

    Comparing a file with the bytes this builder wrote would check nothing, so a stand-in holds a
    size to the card only where the size follows from what the stand-in shares with the real
    model: an FP32 state dict's from its architecture and dtype; an INC INT8 checkpoint's from the
    card's recipe (static post-training quantization with INCQuantizer), which the true-size
    stand-in reproduces on the FP32 stand-in.
    """
    expected: dict[str, dict[str, Any]] = {}
    for claim in registry.select(checkable=True):
        if claim.metric != "size_mib" or claim.model.repo not in folders:
            continue
        for backend in (b for b in claim.backends if b in buildable):
            entry: dict[str, Any]
            if not true_size:
                entry = {"not_checkable": TINY_SIZE}
            elif not claim.file and backend == "torch":
                entry = {
                    "card": True,
                    "value": claim.value,
                    "reference": "the card's figure: an FP32 state dict's "
                    "size follows from its architecture and dtype, which the true-size stand-in shares",
                }
            elif backend == "inc":
                entry = {"card": True, "value": claim.value, "reference": "the card's figure: the true-size "
                         "stand-in reproduces the card's recipe (INC static post-training quantization of the "
                         "FP32 model at the card's dimensions)"}  # fmt: skip
            else:
                entry = {"not_checkable": ONNX_RECIPE}
            expected.setdefault(claim.id, {})[backend] = entry
    return expected


def quantized_stand_ins(
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
    for repo, source in quantized_from(claims).items():
        mine = [c for c in claims if c.model.repo == repo]
        if not mine:
            continue
        folder = folders[repo] = scratch / repo
        folder.mkdir(parents=True)
        for item in folders[source].iterdir():
            if item.suffix in (".json", ".txt"):
                shutil.copy2(item, folder / item.name)
        claim = next(c for c in mine if c.dataset is not None)
        calibration, max_length = rows[claim.dataset][:100], claim.max_seq_length or 128
        if "onnx" in buildable:
            from harness.backends.onnx_export import quantize_static_like_intel

            progress(f"quantizing stand-in {repo} (ONNX static QOperator INT8, Intel's recipe)")
            quantize_static_like_intel(folders[source], out=folder, calibration=calibration, max_length=max_length)
            references[(repo, "onnx")] = folder
        replica_mirror.dress(folder, repo)  # its config (labels by number), before any reference reads it
        if "inc" in buildable:
            progress(f"quantizing stand-in {repo} (Intel Neural Compressor, static INT8)")
            current = replica_inc.quantize(
                folders[source], scratch / f"{repo}-inc", calibration=calibration, max_length=max_length
            )
            replica_inc.to_2022_format(current / "pytorch_model.bin", folder / "pytorch_model.bin")
            references[(repo, "inc")] = current
            variant = variants[(repo, "inc-current-format")] = scratch / f"{repo}-current"
            shutil.copytree(folder, variant)
            for name in ("pytorch_model.bin", "inc_config.json"):
                shutil.copy2(current / name, variant / name)
            shutil.copy2(folder / "config.json", current / "config.json")  # the reference reads the real config
    return variants


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


def write_repo(
    hub: Path, repo_type: str, repo: str, content: Path | dict[str, Any], written: dict, *, ref: str = "main"
) -> str:
    """Lay files out as huggingface_hub does: blobs by hash, a snapshot of links, refs/main."""
    if isinstance(content, Path):
        files = {p.relative_to(content).as_posix(): p.read_bytes() for p in sorted(content.rglob("*")) if p.is_file()}
    else:
        files = {path: _parquet_bytes(split) for path, split in content.items()}
    digests = {path: hashlib.sha256(data).hexdigest() for path, data in files.items()}
    revision = hashlib.sha1(json.dumps(sorted(digests.items())).encode()).hexdigest()
    storage = storage_folder(hub, repo, repo_type)
    for path, data in files.items():
        blob = storage / "blobs" / digests[path]
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(data)
        link = storage / "snapshots" / revision / path
        link.parent.mkdir(parents=True, exist_ok=True)
        link.unlink(missing_ok=True)
        link.symlink_to(Path(*[".."] * (len(Path(path).parts) + 1), "blobs", digests[path]))
    (storage / "refs" / ref).parent.mkdir(parents=True, exist_ok=True)  # a ref may hold slashes: refs/convert/parquet
    (storage / "refs" / ref).write_text(revision, encoding="utf-8")
    written.setdefault(f"{repo_type}s/{repo}@{ref}", {}).update(digests)
    return revision


def storage_folder(hub: Path, repo: str, repo_type: str = "model") -> Path:
    """A repo's folder in a Hub cache, named as huggingface_hub names it."""
    from huggingface_hub.file_download import repo_folder_name

    return hub / repo_folder_name(repo_id=repo, repo_type=repo_type)


def snapshot_folder(root: Path, repo: str, *, repo_type: str = "model", ref: str = "main") -> Path:
    """The snapshot a ref of a repo in the replica at ``root`` points at."""
    storage = storage_folder(root / "hub", repo, repo_type)
    refs = storage / "refs" / ref
    if not refs.exists():
        raise FileNotFoundError(f"{root} holds no {repo_type} {repo} with ref {ref} (looked for {refs})")
    return storage / "snapshots" / refs.read_text().strip()
