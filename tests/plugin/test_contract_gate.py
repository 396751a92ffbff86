"""The contract suites through pytester: each contract fails on a model built, or a backend made, to
break it, and passes on the healthy replica."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.replica.defects import apply_defect

CONTRACTS = Path(__file__).parents[1] / "contracts"
SST2_FP32 = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
SST2_INT8 = "Intel/distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc"
SPARSE = "Intel/bert-large-uncased-sparse-90-unstructured-pruneofa"
MNLI = "typeform/distilbert-base-uncased-mnli"
# Forwards for the torch backend (see conftest's patch_torch_backend), for what weights cannot break.
PADDING_DEPENDENT = "return original(self, batch) + 0.01 * batch['input_ids'].shape[1]"
NONDETERMINISTIC = "return original(self, batch) + np.random.default_rng().normal(0, 1e-6)"
HANGS_ON_LONG_INPUT = (
    "if batch['input_ids'].shape[1] > 100:\n            time.sleep(3600)\n        return original(self, batch)"
)
EXTRA_COLUMN = "logits = original(self, batch)\n        return np.concatenate([logits, logits[:, :1]], axis=1)"
CRASHES_ON_UNKNOWN_TOKENS = (
    "if (batch['input_ids'] == 1).any():\n"
    "            raise IndexError('index out of range in self')\n"
    "        return original(self, batch)"
)


@pytest.fixture
def run_contracts(run_gate, replica_copy, monkeypatch):
    # The first counterexample is enough to show a contract failing; shrinking it costs model calls.
    monkeypatch.setenv("HARNESS_HYPOTHESIS_PROFILE", "harness-first-failure")

    def run(*args: str, model: str = SST2_FP32, backend: str = "torch"):
        # The sparse model has a card claim and no task to probe; the others, the reverse. Parity
        # compares a backend with torch, so it runs with --harness-backend onnx only.
        wanted = (
            {"test_card_claims"}
            if model == SPARSE
            else {p.stem for p in CONTRACTS.glob("test_*.py")}
            - {"test_card_claims", *(["test_parity"] if backend == "torch" else [])}
        )
        suites = [CONTRACTS / f"{stem}.py" for stem in sorted(wanted)]
        return run_gate(*args, suites=suites, hub=replica_copy, models=[model], backends=[backend])

    return run


def test_the_healthy_stand_in_keeps_every_contract(run_contracts):
    # Architecture is a true-size fact: on this tiny replica copy that test says so and skips; the letter-case
    # test of a cased model skips for this uncased one.
    result = run_contracts("-rs")
    result.assert_outcomes(passed=6, skipped=4)
    result.stdout.fnmatch_lines_random([
        "SKIPPED*holds tiny stand-ins, not the card's dimensions*",
        "SKIPPED*no selected model's card states the use 'zero-shot-classification' (pipeline_tag)",
    ])  # fmt: skip


LABEL_CONTRACTS = (
    "test_the_entailment_label_is_found_by_name or test_single_label_scores_are_a_distribution_over_the_candidates "
    "or test_the_label_names_are_the_cards"
)


def test_unnamed_labels_break_zero_shot_and_leave_no_names_to_compare(run_contracts, replica_copy):
    healthy = run_contracts("-k", LABEL_CONTRACTS, model=MNLI)
    healthy.assert_outcomes(passed=3)
    apply_defect(replica_copy, repo=MNLI, defect="unnamed-labels")
    result = run_contracts("-k", LABEL_CONTRACTS, "-rs", model=MNLI)
    # The scores still sum to 1 (the pipeline scores the last label); zero-shot use needs names. With
    # LABEL_n (or numbers, as Intel's INT8 config has) there are no names to compare with the card:
    # the label-name contract says so and why, and the accuracy claims' notes say index order was used.
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    result.stdout.fnmatch_lines_random([
        "*the zero-shot pipeline finds no label named entailment among *'LABEL_0', 'LABEL_1', 'LABEL_2'*",
        "*no names to compare: the model's config names its labels only by number (*LABEL_0*): relied on index order*",
    ])  # fmt: skip


def test_the_pruned_stand_in_holds_the_sparsity_claim(run_contracts):
    result = run_contracts(model=SPARSE)
    result.assert_outcomes(passed=1)
    # The stand-in was pruned to the card's figure: the status says the pass is the stand-in's.
    result.stdout.fnmatch_lines(["bert-large-sparse-90-sparsity*torch*pass (stand-in)*0.9000*0.9*"])


def test_a_half_sparse_stand_in_fails_the_sparsity_claim(run_contracts, replica_copy):
    apply_defect(replica_copy, repo=SPARSE, defect="half-sparse")
    result = run_contracts(model=SPARSE)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*claim bert-large-sparse-90-sparsity [[]torch[]] DOES NOT HOLD*",
        "*tolerance  -0.005 (at-least)",
        "*note       zeros in each of 12 encoder nn.Linear weights*least sparse: *",
    ])  # fmt: skip


def test_nan_logits_break_the_well_formed_outputs_contract(run_contracts, replica_copy):
    apply_defect(replica_copy, repo=SST2_FP32, defect="nan-head")
    result = run_contracts("-k", "test_outputs_are_well_formed")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*logits are not finite*"])


def test_a_cased_tokenizer_breaks_the_upper_case_contract(run_contracts, replica_copy):
    apply_defect(replica_copy, repo=SST2_FP32, defect="cased-tokenizer")
    result = run_contracts("-k", "test_upper_case_gives_the_same_prediction")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E * AssertionError: (*) and its upper-case version are classified differently"])


@pytest.mark.parametrize(
    ("patch", "selected", "message"),
    [
        pytest.param(
            PADDING_DEPENDENT,
            "test_a_prediction_does_not_depend_on_its_batch_or_padding",
            "*in a padded batch of 32*differ by*",
            id="padding",
        ),
        pytest.param(
            NONDETERMINISTIC,
            "test_the_same_input_twice_gives_bit_identical_outputs",
            "*two identical calls differ by up to*",
            id="determinism",
        ),
        pytest.param(
            EXTRA_COLUMN,
            "test_outputs_are_well_formed",
            "*logits have shape (1, 3), not (1, 2): one row per input, one column per label*",
            id="logits-shape",
        ),
        pytest.param(
            CRASHES_ON_UNKNOWN_TOKENS, "test_odd_input_gets_an_answer", "*IndexError: index out of range*", id="crash"
        ),
        pytest.param(
            HANGS_ON_LONG_INPUT,
            "test_odd_input_gets_an_answer",
            "*Hang: the model gave no answer within 2 s*",
            id="hang",
        ),
    ],
)
def test_a_misbehaving_backend_breaks_its_contract(run_contracts, patch_torch_backend, patch, selected, message):
    patch_torch_backend(patch)
    # A test's full name with -k: pytester's folder name holds the others.
    result = run_contracts("-k", selected, "--harness-deadline=2")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([message])


# Offsets taken one token off: each answer is cut from the characters of the token after the chosen one.
SHIFTED_OFFSETS = """
import numpy as np
import pytest

from harness.tasks import qa


@pytest.fixture(autouse=True)
def shifted_offsets(monkeypatch):
    original = qa.Features.spans
    monkeypatch.setattr(qa.Features, "spans", lambda self, feature: np.roll(original(self, feature), -1, axis=0))
"""


def test_answers_cut_from_the_wrong_offsets_break_the_answer_contract(run_contracts, pytester):
    pytester.makeconftest(SHIFTED_OFFSETS)
    result = run_contracts("-k", "test_outputs_are_well_formed", model="Intel/dynamic_tinybert")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*question 0: token * of window 0 is *, but the answer's characters * hold *"])


def test_a_config_with_the_wrong_head_count_breaks_the_architecture_contract(
    pytester, pytestconfig, true_size_replica, tmp_path
):
    import shutil

    from harness.plugin import SESSION

    copy = tmp_path / "true-size"
    shutil.copytree(true_size_replica, copy, symlinks=True)
    apply_defect(copy, repo=SST2_FP32, defect="wrong-heads")
    pytester.makepyfile(test_card_facts=(CONTRACTS / "test_card_facts.py").read_text())
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--harness-cache-dir={pytestconfig.stash[SESSION].cache_dir}",
        "--harness-hub", str(copy), "--harness-model", SST2_FP32, "--harness-backend", "torch",
        "-k", "test_the_config_has_the_cards_architecture",
    )  # fmt: skip
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*config.json disagrees with the card: n_heads is 6, the card says 12*"])


PARITY = (
    "test_top1_answers_agree_on_generated_inputs or test_fp32_backends_give_the_same_logits or "
    "test_backends_agree_on_the_claims_split"
)


def test_the_onnx_export_keeps_parity_with_torch(run_contracts):
    result = run_contracts("-k", PARITY, backend="onnx")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*backends compared on a split*", "*same answer on 100.00%*McNemar exact p = 1"])


def test_logits_that_drift_from_the_export_break_fp32_parity(run_contracts, patch_torch_backend):
    # The torch side moves every logit by 0.01: the same answers, not the same function.
    patch_torch_backend("return original(self, batch) + 0.01")
    result = run_contracts("-k", PARITY, backend="onnx")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*logits differ by up to 0.01* more than the 0.001 allowed for fp32 against FP32"])


def test_an_int8_model_that_answers_otherwise_breaks_int8_parity(run_contracts, replica_copy):
    apply_defect(replica_copy, repo=SST2_INT8, defect="damage-weights")  # model.onnx with shuffled weights
    result = run_contracts("-k", PARITY, model=SST2_INT8, backend="onnx")
    result.assert_outcomes(failed=2, skipped=1)  # the logit bound does not apply to an int8 pair
    result.stdout.fnmatch_lines([
        "*give the same answer on * of 1000 generated inputs*; int8 pairs must agree on 97.0%*",
        "*FAILS: *same answer on *(at least 97.0% required, int8)*McNemar exact p = *",
    ])  # fmt: skip
