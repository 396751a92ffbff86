"""The inc claims through pytest: both formats pass; damage, an unpinned pickle or FP32 weights fail."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("neural_compressor", reason="needs the Intel Neural Compressor environment: tox -e inc")

from harness.replica.defects import apply_defect
from harness.replica.tiny import storage_folder

INT8 = "Intel/distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc"
TESTS = Path(__file__).parents[1]


@pytest.fixture
def run_inc(run_gate):
    def run(replica: Path, *args: str):
        return run_gate(*args, suites=["accuracy", "sizes"], hub=replica, models=[INT8], backends=["inc"])

    return run


def use_current_format(replica: Path) -> None:
    refs = storage_folder(replica / "hub", INT8) / "refs"
    (refs / "main").write_text((refs / "inc-current-format").read_text())


def test_the_2022_format_passes_accuracy(run_inc, replica_copy):
    result = run_inc(replica_copy, "-rs")
    # Neither size nor speed is measured on a tiny replica: they say nothing about the real model's.
    result.assert_outcomes(passed=2, skipped=2)  # its accuracy, and its recovery of the FP32 model's
    result.stdout.fnmatch_lines([
        "sst2-int8-pytorch-accuracy*inc*pass (stand-in)*", "sst2-int8-pytorch-recovery*inc*pass (stand-in)*",
        "sst2-int8-pytorch-size*inc*not checkable*",
        "sst2-int8-pytorch-speedup*inc*skipped*",
    ])  # fmt: skip
    result.stdout.fnmatch_lines_random([
        "SKIPPED*tiny stand-ins, whose speed says nothing*", "SKIPPED*not checkable on this stand-in: the tiny*"
    ])  # fmt: skip


def test_the_current_format_passes_accuracy(run_inc, replica_copy):
    use_current_format(replica_copy)
    run_inc(replica_copy).assert_outcomes(passed=2, skipped=2)


def test_the_true_size_int8_checkpoint_meets_the_cards_65_mb(run_inc, true_size_replica):
    result = run_inc(true_size_replica, "-m", "latency", "-k", "not speedup")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["sst2-int8-pytorch-size*inc*pass *65.0000*65.0000*"])  # plain: the card's figure


def test_damaged_int8_weights_fail_the_accuracy_claim(run_inc, replica_copy):
    use_current_format(replica_copy)
    apply_defect(replica_copy, repo=INT8, defect="damage-weights")
    result = run_inc(replica_copy, "-m", "accuracy")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "*claim sst2-int8-pytorch-accuracy [[]inc[]] DOES NOT HOLD*",
        "*claim sst2-int8-pytorch-recovery [[]inc[]] DOES NOT HOLD*",
        "*reason     measured 0.* is below the bound 0.9* (baseline 0.9106)",
    ])  # fmt: skip


def test_a_changed_2022_file_is_not_unpickled(run_inc, replica_copy):
    apply_defect(replica_copy, repo=INT8, defect="damage-weights")  # its sha256 no longer matches
    refused = run_inc(replica_copy, "-m", "accuracy")
    refused.assert_outcomes(failed=2)  # the accuracy and the recovery claim, each refusing the file
    refused.stdout.fnmatch_lines(
        ["*reason *pytorch_model.bin stores *DotDict*neither pinned by the lock nor a file this harness built*"
         "--harness-allow-pickle*"]
    )  # fmt: skip
    vouched = run_inc(replica_copy, "-m", "accuracy", "--harness-allow-pickle")
    vouched.assert_outcomes(failed=2)  # loaded now, and wrong: the weights were damaged
    vouched.stdout.fnmatch_lines(["*measured   0.*"])
    assert "neither pinned" not in vouched.stdout.str()
    # Its predictions are in the cache now; without the user's word the file is still refused.
    again = run_inc(replica_copy, "-m", "accuracy")
    again.assert_outcomes(failed=2)
    again.stdout.fnmatch_lines(["*reason *neither pinned by the lock nor a file this harness built*"])


def test_fp32_weights_in_place_of_int8_fail_the_size_claim(run_inc, true_size_replica, tmp_path):
    import shutil

    replica = tmp_path / "true-size"
    shutil.copytree(true_size_replica, replica, symlinks=True)
    apply_defect(replica, repo=INT8, defect="unquantize")
    result = run_inc(replica, "-m", "latency", "-k", "not speedup")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*claim sst2-int8-pytorch-size [[]inc[]] DOES NOT HOLD*", "*note       size of pytorch_model.bin on disk"]
    )
