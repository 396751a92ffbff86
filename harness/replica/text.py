"""The synthetic language every stand-in speaks: made-up uncased words, and a WordPiece vocabulary."""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Text:
    """Synthetic uncased text whose keywords carry the intended class."""

    rng: random.Random
    words: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        syllables = "ka lo mi ne ru ta po si ve da jo fu be ri zo an el or un is ha gu wy te".split()
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


def write_tokenizer(folder: Path, words: Sequence[str]) -> Path:
    from transformers import DistilBertTokenizerFast

    folder.mkdir(parents=True)
    letters = list(string.ascii_lowercase + string.digits + string.punctuation)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *letters, *("##" + c for c in letters), *words]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = DistilBertTokenizerFast(str(folder / "vocab.txt"), do_lower_case=True, model_max_length=512)
    tokenizer.save_pretrained(folder)
    return folder


def tiny_bert(vocab: Path, **behaviour):
    """The small BERT shape the BERT stand-ins share, with the replica's uncased tokenizer;
    ``behaviour`` sets what the real config sets (its ``hidden_act``)."""
    from transformers import BertConfig, BertTokenizerFast

    tokenizer = BertTokenizerFast(str(vocab / "vocab.txt"), do_lower_case=True, model_max_length=512)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=128,
        max_position_embeddings=512,
        **behaviour,
    )
    return tokenizer, config
