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

    assert "2 checkable" in harness("import", FP32, "--out", "cards").stdout
    harness("fetch", "--cards", "cards", "--backend", "torch")
    result = run_gate("-m", "accuracy", "--harness-cards=cards", "--harness-json=run/verdicts.json",
                      "--harness-limit=300", suites=["accuracy"], hub="hub", backends=["torch"], shared_cache=False)  # fmt: skip
    verdicts = json.loads((pytester.path / "run" / "verdicts.json").read_text())["claims"]
    held = [v for v in verdicts if v["status"] == "pass" and v["mode"] == "card"]
    assert [v["metric"] for v in held] == ["accuracy"], [(v["claim_id"], v["status"], v.get("reason")) for v in verdicts]
    assert result.ret in (0, 1)  # the stand-in's loss need not match the card's

    published = harness("publish", "run/verdicts.json", "--repo", FP32, "--pr").stdout
    assert f"opened {fake_hub.endpoint}/{FP32}/discussions/1" in published
    (pull,) = fake_hub.pulls
    entries = yaml.safe_load(fake_hub.repo(FP32).commits[pull.sha][".eval_results/harness.yaml"])
    assert len(entries) == 1 and entries[0]["value"] == held[0]["measured"]
    assert "backend torch, 300 of 872 examples" in entries[0]["notes"]
    assert all(f"not published: {v['claim_id']} [torch]: status {v['status']}" in published
               for v in verdicts if v not in held and v["backend"] == "torch" and v["status"] != "not checkable")  # fmt: skip
