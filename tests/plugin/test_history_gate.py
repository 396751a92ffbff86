"""A memory of runs: each run joins --harness-history; a run whose per-example results got significantly
worse than the last one fails under --harness-fail-on-regression, and `harness diff` names what flipped."""

from __future__ import annotations

import json

from harness.cli import main
from harness.replica.defects import apply_defect

SST2_FP32 = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"


def test_a_damaged_run_regresses_against_the_history_and_diff_names_the_flips(
    run_gate, replica_copy, pytester, tmp_path, capsys
):  # fmt: skip
    history = tmp_path / "history"

    def gate(*args: str):
        return run_gate("-m", "accuracy", "--harness-hub", str(replica_copy), "--harness-model", SST2_FP32,
                        f"--harness-history={history}", "--harness-fail-on-regression", *args, suites=["accuracy"],
                        backends=["torch"])  # fmt: skip

    first = gate("--harness-json=first.json", f"--harness-predictions={tmp_path / 'first'}")
    first.assert_outcomes(passed=1)
    first.stdout.fnmatch_lines(["per-example predictions written to * (one JSONL file per claim, 1)",
                                "run added to the history: *"])  # fmt: skip
    gate().assert_outcomes(passed=1)  # the same model again: nothing changed
    apply_defect(replica_copy, repo=SST2_FP32, defect="perturb-head")  # about 3% of predictions change
    third = gate("--harness-json=third.json", f"--harness-predictions={tmp_path / 'third'}")
    third.assert_outcomes(failed=1)
    third.stdout.fnmatch_lines([
        "*claim sst2-fp32-accuracy [[]torch[]] DOES NOT HOLD*",
        "*regressed since the run of 20*: 0.9106 → 0.8*; McNemar's exact test (one-sided, towards worse): "
        "* examples right only now, * right only before, of 872: p = *; flipped: #*",
    ])  # fmt: skip

    entries = sorted(history.glob("*.json"))
    assert len(entries) == 3
    entry = json.loads(entries[0].read_text())
    assert entry["about"]["machine"]["cores"] and "numpy" in entry["about"]["libraries"]
    assert "git_commit" in entry["about"] and entry["about"]["hub"] == str(replica_copy)
    (verdict,) = [v for v in entry["claims"] if v["status"] == "pass (stand-in)"]
    assert verdict["model_revision"] and verdict["dataset_revision"]
    columns = entry["examples"]["sst2-fp32-accuracy|torch"]
    assert len(columns["index"]) == len(columns["score"]) == 872 and columns["reference"][0] in ("positive", "negative")

    assert main(["diff", str(entries[0]), str(entries[1])]) == 0  # two identical runs diff clean
    assert "no change, every example predicted as before" in capsys.readouterr().out
    assert main(["diff", str(entries[1]), str(entries[2])]) == 1
    said = capsys.readouterr().out
    assert "REGRESSED significantly" in said and "examples flipped; the first 10:" in said
    flips = [line for line in said.splitlines() if line.startswith("    #")]
    assert len(flips) == 10 and all("(reference " in line and " → " in line for line in flips)
    # The same from the two runs' verdicts.json and the predictions folders they name.
    assert main(["diff", str(pytester.path / "first.json"), str(pytester.path / "third.json")]) == 1
    assert "REGRESSED significantly" in capsys.readouterr().out

    assert main(["history", str(history), "--png", str(tmp_path / "trend.png")]) == 0
    shown = capsys.readouterr().out
    assert "3 runs of" in shown and shown.count("pass (stand-in)") == 2 and "fail (stand-in)" in shown
    assert (tmp_path / "trend.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_fail_on_regression_needs_a_history_folder(run_gate, replica_copy):
    result = run_gate("-m", "accuracy", "--harness-hub", str(replica_copy), "--harness-fail-on-regression",
                      suites=["accuracy"])  # fmt: skip
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*--harness-fail-on-regression compares each claim with its last run in a history "
                                 "folder: add --harness-history DIR*"])  # fmt: skip
