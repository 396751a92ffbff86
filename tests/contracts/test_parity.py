"""Backend parity: the same weights on another runtime answer as torch does; a quantized model
answers as the FP32 model it was made from, nearly always."""

import random

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from harness.contracts import parity, strategies

pytestmark = pytest.mark.contracts

# Inputs in one generated set: an agreement rate is a statement about many inputs, and 1,000 make
# the bounds fractions rather than all-or-nothing (99.5% allows 5 near-ties to flip, 97% allows 30).
# A QA input is a question with its context, several times the work: fewer.
CORPUS = {"question-answering": 200}  # every other task: 1,000


# Each example is a whole corpus: two of them, whatever the profile (the nightly profile's 300 would
# take hours), and no shrinking (a smaller seed is not a simpler corpus, only another one).
@settings(max_examples=2, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_top1_answers_agree_on_generated_inputs(harness_pair, harness_pair_subjects, seed):
    candidate, reference = harness_pair_subjects
    size = CORPUS.get(candidate.claim.task, 1_000)
    rows = strategies.corpus(candidate, random.Random(seed), size)
    columns = [list(column) for column in zip(*rows, strict=True)]
    if candidate.classifies:
        compared = parity.compare_logits(candidate.logits(*columns), reference.logits(*columns))
    else:
        # what a user gets: answer texts, or each word's tag
        compared = parity.compare_answers(candidate.respond(*columns), reference.respond(*columns))
    assert compared.agreement >= harness_pair.generated_agreement, (
        f"{candidate} and {reference} give the same answer on {compared.agreeing} of {compared.n} generated "
        f"inputs ({compared.agreement:.2%}); {harness_pair.kind} pairs must agree on "
        f"{harness_pair.generated_agreement:.1%} of them"
    )


@given(data=st.data())
def test_fp32_backends_give_the_same_logits(harness_pair, harness_pair_subjects, data):
    if harness_pair.logit_tolerance is None:
        pytest.skip(f"the pair is {harness_pair.kind}: its logits differ by design, only its answers are compared")
    candidate, reference = harness_pair_subjects
    tolerance = harness_pair.logit_tolerance
    rows = data.draw(st.lists(strategies.rows(candidate), min_size=1, max_size=16), label="rows")
    columns = [list(column) for column in zip(*rows, strict=True)]
    names = ("start logits", "end logits") if candidate.claim.task == "question-answering" else ("logits",)
    mine, theirs = candidate.outputs(*columns), reference.outputs(*columns)
    for name, a, b in zip(names, mine, theirs, strict=True):
        drift = max(float(abs(x - y).max()) for x, y in zip(a, b, strict=True))  # row by row (QA: window)
        assert drift <= tolerance, (
            f"{candidate} and {reference}: {name} differ by up to {drift:.3g} on {len(rows)} generated inputs, "
            f"more than the {tolerance:g} allowed for {harness_pair.kind} against FP32"
        )


def test_backends_agree_on_the_claims_split(harness_pair, harness_split_parity):
    record = harness_split_parity(harness_pair)
    assert record["passed"], parity.describe(record)
