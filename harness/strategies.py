"""Hypothesis strategies for the contract tests: ordinary text, and the odd inputs users send.

Needs hypothesis (the ``test`` extra); nothing else in the harness imports this module.
"""

from __future__ import annotations

from hypothesis import strategies as st

from harness.subject import Subject

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


def sentences(*, min_words: int = 1, max_words: int = 24, vocabulary: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    """Words from a common list, from the model's own vocabulary (the words it has learned to weigh)
    and made-up ones."""
    word = st.sampled_from(WORDS) | st.from_regex(r"[A-Za-z]{1,10}", fullmatch=True)
    if vocabulary:
        word = word | st.sampled_from(vocabulary)
    punctuation = st.sampled_from(["", ".", "!", "?", ","])
    return st.tuples(st.lists(word, min_size=min_words, max_size=max_words), punctuation).map(
        lambda parts: " ".join(parts[0]) + parts[1]
    )


def rows(subject: Subject) -> st.SearchStrategy[tuple[str, ...]]:
    """One input row the subject's task takes: a sentence, a pair, or a question and its context."""
    vocabulary = vocabulary_words(subject)
    if not subject.classifies:
        question = sentences(max_words=12, vocabulary=vocabulary)
        return st.tuples(question, sentences(min_words=8, max_words=120, vocabulary=vocabulary))
    return st.tuples(*[sentences(vocabulary=vocabulary)] * len(subject.claim.dataset.inputs))


def vocabulary_words(subject: Subject) -> tuple[str, ...]:
    """The whole words of the subject's tokenizer vocabulary (no pieces, no special tokens)."""
    return tuple(sorted(w for w in subject.tokenizer.get_vocab() if w.isalpha() and len(w) > 1))


def odd_texts() -> st.SearchStrategy[str]:
    return st.sampled_from(ODD_TEXTS) | st.text(max_size=300)
