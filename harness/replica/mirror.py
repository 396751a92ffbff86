"""Stand-ins in the real repositories' image: their config keys and values, the kinds of tokenizer
files they hold, their weight formats, and a small decoy for every other file they hold.

The facts live in ``real_repos.yaml`` (with the evidence for each); the builders make a stand-in's
model, then ``dress`` it so that loading and fetching meet the real file list: a loader that reads
``onnx/config.json`` or a fetch that downloads ``tf_model.h5`` meets a decoy, as it would meet the
real file on the Hub.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

FACTS = Path(__file__).with_name("real_repos.yaml")
# Stand-in model cards in the real cards' metadata shapes (model-index, tables, the Trainer's text).
READMES = Path(__file__).with_name("readmes")
# Config keys a tiny stand-in keeps its own value of: its dimensions are small on purpose.
DIMENSIONS = frozenset({
    "dim", "hidden_dim", "n_layers", "n_heads", "vocab_size",
    "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
})  # fmt: skip
# Config keys that change what the model computes: a stand-in is built with them, not given them after.
BEHAVIOUR = ("hidden_act", "activation")
TOKENIZER_FILES = (
    "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "added_tokens.json",
)  # fmt: skip
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.onnx")
LOADED = ("config.json", *TOKENIZER_FILES, *WEIGHT_FILES)


@functools.cache
def facts() -> dict[str, Any]:
    import yaml

    return yaml.safe_load(FACTS.read_text(encoding="utf-8"))


def model_facts(repo: str) -> dict[str, Any] | None:
    return facts()["models"].get(repo)


def dataset_labels(repo: str, config: str | None) -> list[str]:
    """A dataset's ClassLabel names in index order, as the real dataset has them."""
    return list(facts()["datasets"][repo][config])


def model_labels(repo: str) -> list[Any]:
    """The values of a model's real ``id2label`` in index order: names, or numbers where the real
    config has only numbers."""
    found = model_facts(repo) or {}
    if "labels_of" in found:
        return dataset_labels(*found["labels_of"])
    id2label = found.get("config", {}).get("id2label")
    if id2label is None:
        raise KeyError(f"real_repos.yaml states no labels for {repo}")
    return [id2label[str(i)] for i in range(len(id2label))]


def behaviour(repo: str) -> dict[str, Any]:
    """The real config's values that change what the model computes (its activation)."""
    config = (model_facts(repo) or {}).get("config", {})
    return {key: config[key] for key in BEHAVIOUR if key in config}


def real_config(repo: str, stand_in: dict[str, Any]) -> dict[str, Any]:
    """The stand-in's config with every real key and value, but the stand-in's own dimensions."""
    found = model_facts(repo) or {}
    config = dict(stand_in)
    for key, value in found.get("config", {}).items():
        if not (key in DIMENSIONS and key in stand_in):
            config[key] = value
    if "labels_of" in found:
        names = dataset_labels(*found["labels_of"])
        config["id2label"] = {str(i): name for i, name in enumerate(names)}
        config["label2id"] = {name: i for i, name in enumerate(names)}
    if "torch_dtype" in found.get("config", {}):
        config.pop("dtype", None)  # newer transformers write "dtype"; the real config states torch_dtype
    return config


def dress(folder: Path, repo: str, *, keep: Sequence[str] = ()) -> None:
    """Make a built stand-in's folder hold what the real repo holds: the real config values, its
    tokenizer file kinds, its weight formats, and a decoy for every file loading never reads.
    Files the real repo lacks are removed, except ``keep``. Weights a missing backend could not
    make stay absent (no decoy stands in for a file the harness loads)."""
    found = model_facts(repo)
    if found is None:
        return
    files = set(found["files"])
    config_path = folder / "config.json"
    config = real_config(repo, json.loads(config_path.read_text(encoding="utf-8")))
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if any(name in files and not (folder / name).exists() for name in TOKENIZER_FILES):
        from transformers import AutoTokenizer

        AutoTokenizer.from_pretrained(folder).save_pretrained(folder)
    for name, content in (found.get("contents") or {}).items():
        (folder / name).write_text(json.dumps(content), encoding="utf-8")  # byte for byte: 48 B, no newline
    _weight_formats(folder, files)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if name not in files and name not in keep:
            path.unlink()
    for name in sorted(files - set(LOADED)):
        decoy = folder / name
        decoy.parent.mkdir(parents=True, exist_ok=True)
        decoy.write_bytes(f"decoy for {repo}/{name}: the real repository holds this file; no claim reads it\n".encode())
    card = READMES / f"{repo.replace('/', '--')}.md"
    if "README.md" in files and card.is_file():
        (folder / "README.md").write_bytes(card.read_bytes())  # `harness import` reads it as it reads the real card


def _weight_formats(folder: Path, files: set[str]) -> None:
    """Write the weights in the formats the real repo has them: a ``.bin`` where it has one."""
    safetensors = folder / "model.safetensors"
    if "pytorch_model.bin" in files and safetensors.exists() and not (folder / "pytorch_model.bin").exists():
        import torch
        from safetensors.torch import load_file

        torch.save(load_file(str(safetensors)), folder / "pytorch_model.bin")


def decoys(repo: str) -> list[str]:
    """The files of a real repo that no loading reads."""
    found = model_facts(repo) or {"files": []}
    return sorted(set(found["files"]) - set(LOADED))
