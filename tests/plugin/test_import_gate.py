"""Gating a model straight from its Hub card: `pytest --harness-import`, and the whole loop a user runs
against the (fake) Hub: import, fetch, the gate, then publishing what held as a pull request."""

from __future__ import annotations

import json
import subprocess
import sys

import yaml

MNLI = "typeform/distilbert-base-uncased-mnli"
FP32 = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"


def test_harness_import_gates_the_cards_claims_and_shows_its_review_notes(run_gate, pytester):
    result = run_gate("-m", "accuracy", f"--harness-import={MNLI}", "--harness-json=verdicts.json",
                      suites=["accuracy"], hub="replica", backends=["torch"])  # fmt: skip
    result.assert_outcomes(passed=1)
    verdicts = {(v["claim_id"], v["backend"]): v for v in json.loads((pytester.path / "verdicts.json").read_text())["claims"]}
    checked = verdicts["distilbert-base-uncased-mnli-mnli-validation-mismatched-accuracy", "torch"]
    assert (checked["status"], checked["dataset"]) == ("pass (stand-in)", "nyu-mll/glue mnli/validation_mismatched")
    waiting = verdicts["distilbert-base-uncased-mnli-mnli-accuracy", "—"]
    assert waiting["status"] == "not checkable"
    assert waiting["reason"].startswith("needs review: datasets.mnli: dataset 'MNLI' (the table's label 'MNLI'): no split")
    assert not any(claim_id.startswith("mnli-") for claim_id, _ in verdicts)  # the built-in cards are not run


def test_an_unreadable_card_is_a_usage_error_naming_it(run_gate):
    result = run_gate("-m", "accuracy", "--harness-import=acme/missing", suites=["accuracy"], hub="replica")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*model acme/missing at revision main is not available*"])


def test_import_run_and_publish_round_trip_against_the_hub(run_gate, pytester, fake_hub, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.endpoint)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "harness-cache"))

    def harness(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "harness.cli", *args], cwd=pytester.path, capture_output=True,
                              text=True, timeout=600)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done

    assert "6 checkable" in harness("import", FP32, "--out", "cards").stdout  # accuracy, loss, P, R, F1, AUC
    harness("fetch", "--cards", "cards", "--backend", "torch")
    result = run_gate("-m", "accuracy", "--harness-cards=cards", "--harness-json=run/verdicts.json",
                      "--harness-limit=300", suites=["accuracy"], hub="hub", backends=["torch"], shared_cache=False)  # fmt: skip
    verdicts = json.loads((pytester.path / "run" / "verdicts.json").read_text())["claims"]
    held = [v for v in verdicts if v["status"] == "pass" and v["mode"] == "card"]
    assert "accuracy" in [v["metric"] for v in held], [(v["claim_id"], v["status"], v.get("reason")) for v in verdicts]
    assert result.ret in (0, 1)  # the stand-in reproduces the card's accuracy; its other figures need not match

    published = harness("publish", "run/verdicts.json", "--repo", FP32, "--pr").stdout
    assert f"opened {fake_hub.endpoint}/{FP32}/discussions/1" in published
    (pull,) = fake_hub.pulls
    entries = yaml.safe_load(fake_hub.repo(FP32).commits[pull.sha][".eval_results/harness.yaml"])
    assert sorted(e["value"] for e in entries) == sorted(v["measured"] for v in held)
    assert all("backend torch, 300 of 872 examples" in e["notes"] for e in entries)
    assert all(f"not published: {v['claim_id']} [torch]: status {v['status']}" in published
               for v in verdicts if v not in held and v["backend"] == "torch" and v["status"] != "not checkable")  # fmt: skip


# Each seed repo, and the choices that resolve its review notes as the hand-written card does.
SEEDS = {
    "Intel/distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc": ["sst2=1", "fp32=1"],
    FP32: [],
    "Intel/dynamic_tinybert": ["squad=1"],
    MNLI: ["mnli=1"],
    "Adriana213/distilbert-base-uncased-finetuned-clinc": ["clinc-oos=1"],
}


def test_imported_seed_cards_run_on_the_replica_like_the_hand_written_ones(run_gate, pytester, replica_root):
    for repo, choices in SEEDS.items():
        chosen = [arg for choice in choices for arg in ("--choose", choice)]
        done = subprocess.run([sys.executable, "-m", "harness.cli", "import", repo, "--hub", str(replica_root),
                               "--out", "cards", *chosen], cwd=pytester.path, capture_output=True, text=True)  # fmt: skip
        assert done.returncode == 0, done.stderr
    listed = subprocess.run([sys.executable, "-m", "harness.cli", "claims", "--cards", "cards"], cwd=pytester.path,
                            capture_output=True, text=True)  # fmt: skip
    assert listed.returncode == 0 and "needs review" not in listed.stdout, listed.stdout

    result = run_gate("-m", "accuracy", "--harness-cards=cards", "--harness-json=verdicts.json", suites=["accuracy"],
                      hub="replica", backends=["torch", "onnx"])  # fmt: skip
    verdicts = json.loads((pytester.path / "verdicts.json").read_text())["claims"]
    judged = [v for v in verdicts if v["status"] not in ("not checkable", "not run")]
    by_status: dict[str, list[str]] = {}
    for verdict in judged:
        by_status.setdefault(verdict["status"], []).append(f"{verdict['claim_id']} [{verdict['backend']}]")
    assert set(by_status) == {"pass (stand-in)", "skipped"}, by_status
    # The same claims as the hand-written cards' (SST-2 INT8 ONNX, FP32 x2, MNLI x2, CLINC x2, SQuAD F1) pass;
    # only the FP32 card's own extra figures, which no built-in claim measures, find no reference on the replica.
    assert len(by_status["pass (stand-in)"]) == 1 + 2 + 2 * 2 + 2 * 2 + 2 + 2, by_status["pass (stand-in)"]
    skipped = [v for v in judged if v["status"] == "skipped"]
    assert all(v["model"] == FP32 and v["metric"] != "accuracy" for v in skipped), skipped
    result.assert_outcomes(passed=len(by_status["pass (stand-in)"]), skipped=len(skipped))
