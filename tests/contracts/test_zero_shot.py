"""Zero-shot classification, for the models whose card states that use: through the transformers
pipeline, the scores are a distribution over the candidate labels, entailment is found by name, and
the pipeline's scores are those the model's own NLI logits give."""

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from harness.contracts import strategies, zero_shot

pytestmark = [pytest.mark.contracts, pytest.mark.harness_use("zero-shot-classification")]

TOPICS = ("sports", "politics", "cooking", "travel", "music", "money", "weather", "science", "movies", "health")


def test_the_entailment_label_is_found_by_name(harness_subject, harness_zero_shot):
    found = harness_zero_shot.entailment_id
    assert found >= 0, (
        f"the zero-shot pipeline finds no label named entailment among {harness_subject.labels}; it would score "
        "with the last label instead. The config's id2label must name the labels."
    )
    assert harness_subject.labels[found].lower().startswith("entail")


# Longer than the card's 128 tokens on the tiny replica's tokenizer: the pipeline does not cut it there.
@example(text="the " * 16 + "movie movie terrible terrible terrible transfer transfer AAAAAAA",
         candidate_labels=["sports", "politics"])  # fmt: skip
@given(
    text=strategies.sentences(),
    candidate_labels=st.lists(st.sampled_from(TOPICS), min_size=2, max_size=6, unique=True),
)
def test_single_label_scores_are_a_distribution_over_the_candidates(
    harness_subject, harness_zero_shot, text, candidate_labels
):
    result = harness_zero_shot(text, candidate_labels=candidate_labels, multi_label=False)
    assert sorted(result["labels"]) == sorted(candidate_labels), f"scored {result['labels']}, asked {candidate_labels}"
    total = sum(result["scores"])
    assert abs(total - 1) <= 1e-5, f"{text!r}: the scores of {candidate_labels} sum to {total:.8f}, not 1"
    assert result["scores"] == sorted(result["scores"], reverse=True), "labels are not ranked by score"
    # The pipeline's scores, recomputed from the model's logits for the label the pipeline took as entailment.
    mine = zero_shot.scores(harness_subject, text, candidate_labels, entailment=harness_zero_shot.entailment_id)
    expected = dict(zip(candidate_labels, mine, strict=True))
    got = dict(zip(result["labels"], result["scores"], strict=True))
    difference = max(abs(got[label] - expected[label]) for label in candidate_labels)
    assert difference <= 1e-4, (
        f"{text!r}: the pipeline's scores {got} are not the softmax of the model's entailment logits {expected}"
    )
    assert np.isfinite(result["scores"]).all()
