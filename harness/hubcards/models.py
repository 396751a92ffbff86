"""The model side of an imported card: the repo's own model block (architecture, case, revision), what
its config says it is (quantized, which task head), and the model a card's "FP32" figure is about."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Config keys that state a model's dimensions (DistilBERT's and BERT's spellings), as the cards' blocks name them.
DIMENSION_KEYS = (
    "n_layers", "dim", "hidden_dim", "n_heads", "num_hidden_layers", "hidden_size", "intermediate_size",
    "num_attention_heads", "vocab_size", "max_position_embeddings",
)  # fmt: skip
HEADS = {
    "ForSequenceClassification": "text-classification",
    "ForQuestionAnswering": "question-answering",
    "ForTokenClassification": "token-classification",
}
_BASE_IN_TEXT = re.compile(
    r"(?:quantiz\w*|fine-?tuned|distilled)(?: version)? (?:of|from) \[?`?(?P<id>[A-Za-z0-9][\w.\-]*(?:/[\w.\-]+)?)",
    re.IGNORECASE,
)


@dataclass(frozen=True, kw_only=True)
class Repo:
    """What was read of the model repo: its id, the card's revision, config, tokenizer config, file names."""

    repo_id: str
    revision: str | None
    config: Mapping[str, Any] = field(default_factory=dict)
    tokenizer_config: Mapping[str, Any] = field(default_factory=dict)
    files: tuple[str, ...] = ()

    @property
    def quantized(self) -> bool:
        return str(self.config.get("torch_dtype", "")).lower() == "int8" or "int8" in self.repo_id.lower()

    @property
    def head(self) -> str | None:
        """The task the config's architecture has a head for; None for a checkpoint without one."""
        for architecture in self.config.get("architectures") or ():
            for suffix, task in HEADS.items():
                if str(architecture).endswith(suffix):
                    return task
        return None

    def block(self) -> dict[str, Any]:
        """The card's entry for this repo, pinned to the revision whose card was read."""
        block: dict[str, Any] = {"repo": self.repo_id, "revision": self.revision}
        architecture = {key: self.config[key] for key in DIMENSION_KEYS if isinstance(self.config.get(key), int)}
        if architecture:
            block["architecture"] = architecture
        lowercase = self.tokenizer_config.get("do_lower_case")
        if lowercase is None:
            lowercase = "uncased" in self.repo_id.lower()
        block["lowercase"] = bool(lowercase)
        return block

    def numbered_labels(self) -> bool:
        labels = self.config.get("id2label") or {}
        return bool(labels) and all(re.fullmatch(r"(LABEL_)?\d+", str(v)) for v in labels.values())


def base_model_review(front: Mapping[str, Any], body: str, moved: Mapping[str, str]) -> dict[str, Any]:
    """The entry of the model an FP32 column is about: the front matter's ``base_model``, else the ids the
    card's text says it was quantized or fine-tuned from; always for review, as it is read from words."""
    named = front.get("base_model")
    ids = [named] if isinstance(named, str) else [n for n in named or () if isinstance(n, str)]
    ids += [m["id"].rstrip(".") for m in _BASE_IN_TEXT.finditer(body)]
    candidates = []
    for old in _unique(ids):
        current = moved.get(old, old)
        candidate: dict[str, Any] = {"repo": current, "revision": None, "lowercase": "uncased" in current.lower()}
        if current != old:
            candidate["formerly"] = [old]
        candidates.append(candidate)
    where = "base_model in the front matter" if isinstance(named, (str, list)) else "the card's text"
    return {
        "review": f"the card's FP32 figures are about the model this one was made from, read from {where}; "
        "pick it (a person must confirm which repo and revision the figures were measured on).",
        "candidates": [c for c in candidates if c["repo"]],
    }


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
