"""True-size stand-ins: every model at the dimensions its card states, with random weights.

Size on disk and speed follow from architecture and dtype, not from trained values, so these
stand-ins make size claims and latency measurements mean what they would mean on the real models.
Their accuracy means nothing, so they carry no accuracy references. Each one keeps its tiny
counterpart's config (model type, label names and order), tokenizer and datasets, so every code
path reads it as it reads the real repo.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from harness import __version__
from harness.claims.model import Claim, DatasetRef, ModelRef, Registry
from harness.data.splits import read_split
from harness.replica import mirror as replica_mirror
from harness.replica.manifest import write_manifest
from harness.replica.tiny import (
    REPLICA_FORMAT,
    BuildReport,
    buildable_backends,
    quantized_from,
    quantized_stand_ins,
    sizes,
    snapshot_folder,
    write_repo,
)

# The uncased WordPiece vocabulary of BERT, which every model on the cards uses; a card that does
# not state its vocabulary size gets this one.
BERT_UNCASED_VOCAB = 30522
CALIBRATION_ROWS = 100


def build(
    out: Path, registry: Registry, *, tiny_root: Path, seed: int = 0, progress: Callable[[str], None] = print
) -> BuildReport:
    """Build the true-size replica into ``out`` from the tiny replica at ``tiny_root``."""
    from harness.backends.torch import AUTO_CLASSES

    buildable = buildable_backends()
    claims = [c for c in registry.select(checkable=True) if c.task in AUTO_CLASSES and c.relative is None]
    hub = out / "hub"
    hub.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        folders: dict[str, Path] = {}
        for repo in sorted({c.model.repo for c in claims} - set(quantized_from(claims))):
            claim = next(c for c in claims if c.model.repo == repo)
            progress(f"true-size stand-in {repo} ({_describe(claim.model.architecture)})")
            folders[repo] = _random_model(
                snapshot_folder(tiny_root, repo), scratch / repo, claim.task, claim.model.architecture, seed
            )
        for model in _models_without_a_task(registry, claims):
            progress(f"true-size config {model.repo} (no task the harness runs on it: config.json only)")
            folders[model.repo] = _config_only(
                snapshot_folder(tiny_root, model.repo), scratch / model.repo, model.architecture
            )
        for repo in sorted({c.model.repo for c in claims} - set(quantized_from(claims))):
            replica_mirror.dress(folders[repo], repo)  # the real file list and weight formats, at true size
        with_data = [c for c in claims if c.dataset is not None and c.task != "question-answering"]
        rows = {c.dataset: _rows(tiny_root, c.dataset) for c in with_data}
        variants = quantized_stand_ins(with_data, folders, {}, rows, buildable, scratch, progress)
        expected = sizes(registry, folders, buildable, true_size=True)
        revisions = {repo: write_repo(hub, "model", repo, folder, files) for repo, folder in folders.items()}
        for (repo, ref_name), folder in variants.items():
            write_repo(hub, "model", repo, folder, files, ref=ref_name)
    # The datasets are the tiny replica's: the same rows, so speed is measured on the same text.
    for storage in sorted((tiny_root / "hub").glob("datasets--*")):
        shutil.copytree(storage, hub / storage.name, symlinks=True)
    write_manifest(
        out,
        expected=expected,
        about={
            "format": REPLICA_FORMAT,
            "size": "true",
            "harness": __version__,
            "seed": seed,
            "models": revisions,
            "backends": sorted(buildable),
            "sha256": files,
            "reference": "random weights at the cards' dimensions: sizes and speed only, no accuracy",
        },
        claims=registry.claims,
    )
    return BuildReport(
        root=out,
        models=tuple(sorted(folders)),
        datasets=tuple(sorted(p.name for p in hub.glob("datasets--*"))),
        expected={cid: {b: v.get("value") for b, v in per.items()} for cid, per in expected.items()},
    )


def _models_without_a_task(registry: Registry, claims: Sequence[Claim]) -> list[ModelRef]:
    """Models whose card states an architecture but which no claim runs (the sparse BERT-Large has
    no task head): their config is what the contracts check, at the card's dimensions."""
    ran = {c.model.repo for c in claims}
    found = {c.model.repo: c.model for c in registry.select(checkable=True) if c.model.architecture}
    return [model for repo, model in sorted(found.items()) if repo not in ran]


def _true_size_config(tiny: Path, architecture: Mapping[str, int]) -> Any:
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(tiny)
    unknown = sorted(name for name in architecture if not hasattr(config, name))
    if unknown:
        raise ValueError(
            f"the card's architecture names {', '.join(unknown)}, which a {config.model_type} config does not "
            "have; use the config's own field names (e.g. n_layers for DistilBERT, num_hidden_layers for BERT)"
        )
    config.update({"vocab_size": BERT_UNCASED_VOCAB, **architecture})
    return config


def _config_only(tiny: Path, folder: Path, architecture: Mapping[str, int]) -> Path:
    # Weights at BERT-Large's size (1.3 GB) would check nothing more: sparsity does not depend on
    # size and is checked on the tiny pruned stand-in.
    _true_size_config(tiny, architecture).save_pretrained(folder)
    return folder


def _random_model(tiny: Path, folder: Path, task: str, architecture: Mapping[str, int], seed: int) -> Path:
    import torch
    from transformers import AutoTokenizer

    from harness.backends.torch import AUTO_CLASSES

    config = _true_size_config(tiny, architecture)
    torch.manual_seed(seed)
    model = AUTO_CLASSES[task].from_config(config)
    model.save_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(tiny)
    _padded_tokenizer(tokenizer, folder, config.vocab_size)
    return folder


def _padded_tokenizer(tokenizer, folder: Path, vocab_size: int) -> None:
    """The tiny tokenizer, its vocabulary padded with BERT's ``[unusedN]`` tokens to the model's size.

    The padding never matches text, so the stand-in tokenizes exactly as its tiny counterpart does,
    while its vocabulary and embedding matrix agree in size as they do in the real repos.
    """
    words = [word for word, _ in sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])]
    words += [f"[unused{i}]" for i in range(vocab_size - len(words))]
    (folder / "vocab.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    cased = tokenizer.init_kwargs.get("do_lower_case", True) is False  # a cased model (bert-base-NER) stays cased
    padded = type(tokenizer)(str(folder / "vocab.txt"), do_lower_case=not cased,
                             model_max_length=tokenizer.model_max_length)  # fmt: skip
    padded.save_pretrained(folder)


def _rows(tiny_root: Path, ref: DatasetRef) -> list[tuple[str, ...]]:
    """Calibration rows for static quantization, a seeded sample of the replica's split."""
    folder = snapshot_folder(tiny_root, ref.repo, repo_type="dataset", ref=ref.revision or "main")
    split = read_split(sorted(folder.glob(ref.files)), inputs=ref.inputs, label=ref.label)
    rows = list(zip(*(split.inputs[name] for name in ref.inputs), strict=True))
    return random.Random(f"calibration:{ref.repo}:{ref.config}").sample(rows, min(CALIBRATION_ROWS, len(rows)))


def _describe(architecture: Mapping[str, Any]) -> str:
    return ", ".join(f"{name} {value}" for name, value in architecture.items()) or "the config's defaults"
