"""Hypothesis strategies for the contract tests: ordinary text, and the odd inputs users send.

Needs hypothesis (the ``test`` extra); nothing else in the harness imports this module.
"""

from __future__ import annotations

import random
import string

from hypothesis import strategies as st

from harness.evaluation.subject import Subject

# Common English words, so generated rows look like text and not like noise alone.
WORDS = (
    "the a movie film story actor plot good bad great terrible boring wonderful not very really it was is "
    "and but with for of to in on my your book flight hotel card pay weather time music play when where what "
    "who how why cancel transfer balance english language student teacher city river mountain today"
).split()

# Inputs a service receives sooner or later: nothing, only spaces, very long, emoji, other
# scripts, control characters, zero-width and direction marks.
ODD_TEXTS = (
    "",
    " ",
    "\t\n  \r\n",
    "a" * 10_000,
    "word " * 2_000,
    "😀🎉👍🔥🤖",
    "日本語のテキストです",
    "مرحبا بالعالم",
    "Привет, мир",
    "\x00\x01\x07\x1b[31m\x7f",
    "\u200b\u200e\u202e\ufeff",
    "Ω≈ç√∫˜µ≤≥÷",
    "<script>alert(1)</script>",
)


PUNCTUATION = ("", ".", "!", "?", ",")
# Words per generated text: a sentence or a pair's side, a question, a QA context.
LENGTHS = {"sentence": (1, 24), "question": (1, 12), "context": (8, 120)}


def sentences(*, min_words: int = 1, max_words: int = 24, vocabulary: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    """Words from a common list, from the model's own vocabulary (the words it has learned to weigh)
    and made-up ones."""
    word = st.sampled_from(WORDS) | st.from_regex(r"[A-Za-z]{1,10}", fullmatch=True)
    if vocabulary:
        word = word | st.sampled_from(vocabulary)
    punctuation = st.sampled_from(PUNCTUATION)
    return st.tuples(st.lists(word, min_size=min_words, max_size=max_words), punctuation).map(
        lambda parts: " ".join(parts[0]) + parts[1]
    )


def rows(subject: Subject) -> st.SearchStrategy[tuple[str, ...]]:
    """One input row the subject's task takes: a sentence, a pair, or a question and its context."""
    vocabulary = vocabulary_words(subject)
    texts = [sentences(min_words=low, max_words=high, vocabulary=vocabulary) for low, high in _lengths(subject)]
    return st.tuples(*texts)


def corpus(subject: Subject, generator: random.Random, size: int) -> list[tuple[str, ...]]:
    """``size`` rows like ``rows(subject)``'s, from one seeded generator.

    For statistics over many inputs (how often two backends agree): a hypothesis example cannot
    hold a thousand drawn rows, but it can hold the generator's seed, so runs stay reproducible
    and derandomized in CI.
    """
    vocabulary = vocabulary_words(subject)

    def made_up() -> str:
        return "".join(generator.choices(string.ascii_letters, k=generator.randint(1, 10)))

    def word() -> str:
        source = generator.randrange(3 if vocabulary else 2)
        return generator.choice(WORDS) if source == 0 else made_up() if source == 1 else generator.choice(vocabulary)

    def text(low: int, high: int) -> str:
        return " ".join(word() for _ in range(generator.randint(low, high))) + generator.choice(PUNCTUATION)

    lengths = _lengths(subject)
    return [tuple(text(low, high) for low, high in lengths) for _ in range(size)]


def _lengths(subject: Subject) -> list[tuple[int, int]]:
    """Least and most words of each text in a row."""
    if subject.claim.task == "question-answering":
        return [LENGTHS["question"], LENGTHS["context"]]
    kinds = ("sentence",) * len(subject.claim.dataset.inputs)
    return [LENGTHS[kind] for kind in kinds]


def vocabulary_words(subject: Subject) -> tuple[str, ...]:
    """The whole words of the subject's tokenizer vocabulary (no pieces, no special tokens)."""
    return tuple(sorted(w for w in subject.tokenizer.get_vocab() if w.isalpha() and len(w) > 1))


def odd_texts() -> st.SearchStrategy[str]:
    return st.sampled_from(ODD_TEXTS) | st.text(max_size=300)
