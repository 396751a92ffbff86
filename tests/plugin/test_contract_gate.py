"""The contract suites through pytester: each contract fails on a model built, or a backend made, to
break it, and passes on the healthy replica."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.defects import apply_defect

CONTRACTS = Path(__file__).parents[1] / "contracts"
SST2_FP32 = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
SPARSE = "Intel/bert-large-uncased-sparse-90-unstructured-pruneofa"
# Forwards for the torch backend (see conftest's patch_torch_backend), for what weights cannot break.
PADDING_DEPENDENT = "return original(self, batch) + 0.01 * batch['input_ids'].shape[1]"
NONDETERMINISTIC = "return original(self, batch) + np.random.default_rng().normal(0, 1e-6)"
CRASHES_ON_UNKNOWN_TOKENS = (
    "if (batch['input_ids'] == 1).any():\n"
    "            raise IndexError('index out of range in self')\n"
    "        return original(self, batch)"
)


@pytest.fixture
def run_contracts(pytester, pytestconfig, replica_copy, monkeypatch):
    from harness.plugin import SESSION

    monkeypatch.setenv("HARNESS_HYPOTHESIS_PROFILE", "harness-ci")
    cache = pytestconfig.stash[SESSION].cache_dir

    def run(*args: str, model: str = SST2_FP32):
        # The sparse model has a card claim and no task to probe; the others, the reverse.
        for path in CONTRACTS.glob("test_*.py"):
            if (path.stem == "test_card_claims") == (model == SPARSE):
                pytester.makepyfile(**{path.stem: path.read_text()})
        return pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", f"--harness-cache-dir={cache}", "--harness-hub", str(replica_copy),
            "--harness-model", model, "--harness-backend", "torch", *args,
        )  # fmt: skip

    return run


def test_the_healthy_stand_in_keeps_every_contract(run_contracts):
    # Architecture is a true-size fact: on this tiny replica copy that test says so and skips.
    result = run_contracts("-rs")
    result.assert_outcomes(passed=6, skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED*holds tiny stand-ins, not the card's dimensions*"])


def test_the_pruned_stand_in_holds_the_sparsity_claim(run_contracts):
    result = run_contracts(model=SPARSE)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["bert-large-sparse-90-sparsity*torch*pass*0.9000*0.9*"])


def test_a_half_sparse_stand_in_fails_the_sparsity_claim(run_contracts, replica_copy):
    apply_defect(replica_copy, repo=SPARSE, defect="half-sparse")
    result = run_contracts(model=SPARSE)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*claim bert-large-sparse-90-sparsity [[]torch[]] DOES NOT HOLD",
        "*tolerance  -0.005 (at-least)",
        "*note       zeros in each of 12 encoder nn.Linear weights*least sparse: *",
    ])  # fmt: skip


def test_nan_logits_break_the_well_formed_outputs_contract(run_contracts, replica_copy):
    apply_defect(replica_copy, repo=SST2_FP32, defect="nan-head")
    result = run_contracts("-k", "test_outputs_are_well_formed")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*probabilities are not finite*"])


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
            CRASHES_ON_UNKNOWN_TOKENS, "test_odd_input_gets_an_answer", "*IndexError: index out of range*", id="crash"
        ),
    ],
)
def test_a_misbehaving_backend_breaks_its_contract(run_contracts, patch_torch_backend, patch, selected, message):
    patch_torch_backend(patch)
    result = run_contracts("-k", selected)  # a test's full name: pytester's folder name holds the others
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([message])


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
