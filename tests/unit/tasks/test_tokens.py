"""Token classification's reading of a model: a word's tag is its first sub-word's, long sentences are
read in windows with each word taken where it has the most context, and tags come out in the dataset's
names however the model orders them."""

from __future__ import annotations

import numpy as np
import pytest
from transformers import AutoTokenizer

from harness.contracts import rules
from harness.replica.tiny import snapshot_folder
from harness.tasks.classification import align
from harness.tasks.tokens import tags, windows, word_logits

NER = "dslim/bert-base-NER"
CONLL = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]


@pytest.fixture(scope="module")
def tokenizer(replica_root):
    return AutoTokenizer.from_pretrained(snapshot_folder(replica_root, NER))


def test_only_a_words_first_sub_word_speaks_for_it(tokenizer):
    words = ["Kalomine", "U.S.", "is", "zzqx"]
    found = windows(tokenizer, [words], max_length=64)
    tokens = tokenizer.convert_ids_to_tokens(found.encoded.row(0).tolist())
    firsts = [(tokens[i], int(w)) for i, w in enumerate(found.word_of) if w >= 0]
    assert [w for _, w in firsts] == [0, 1, 2, 3]  # one token per word: its first
    assert all(not token.startswith("##") for token, _ in firsts)
    assert len(tokens) > len(words) + 2  # the words split into several sub-words, which stay silent


def test_a_long_sentence_is_read_in_windows_and_each_word_where_it_has_most_context(tokenizer):
    words = [f"word{i}" if i % 3 else "Kalomine" for i in range(60)]
    found = windows(tokenizer, [words], max_length=24)
    assert len(found.encoded) > 3 and set(found.sentence_of.tolist()) == {0}
    # logits that record which window and token position they came from
    logits = [np.stack([[w, p] for p in range(n)]).astype(float) for w, n in enumerate(found.encoded.lengths)]
    chosen = word_logits(found, logits, [len(words)])[0]
    assert not np.isnan(chosen).any(), "every word gets a prediction"
    starts = found.encoded.starts
    for word, (window, position) in enumerate(chosen.astype(int)):
        assert found.word_of[starts[window] + position] == word
        size = found.encoded.lengths[window]
        room = min(position, size - 1 - position)
        for other in range(len(found.encoded)):  # no other window sees the word with more context
            marks = found.word_of[starts[other] : starts[other + 1]]
            for p in np.flatnonzero(marks == word):
                assert min(p, len(marks) - 1 - p) <= room


def test_tags_come_out_in_the_datasets_names_whatever_the_models_order():
    model = {0: "O", 1: "B-MISC", 2: "I-MISC", 3: "B-PER", 4: "I-PER", 5: "B-ORG", 6: "I-ORG", 7: "B-LOC", 8: "I-LOC"}
    alignment = align(model, CONLL)
    per_word = np.zeros((3, 9))
    per_word[0, 3] = per_word[1, 4] = per_word[2, 1] = 5.0  # the model says B-PER, I-PER, B-MISC
    assert tags([per_word], alignment, CONLL) == [["B-PER", "I-PER", "B-MISC"]]


def test_tag_problems_name_what_is_malformed():
    labels = ["O", "B-PER", "I-PER"]
    assert rules.tag_problems(["Ann Lee ran"], [["B-PER", "I-PER", "O"]], labels=labels) == []
    assert rules.tag_problems(["Ann Lee"], [["B-PER"]], labels=labels) == ["row 0: 1 tags for 2 words"]
    found = rules.tag_problems(["Ann Lee"], [["B-PER", "B-XYZ"]], labels=labels)
    assert found and "tags ['B-XYZ'] are not among the model's labels" in found[0]
