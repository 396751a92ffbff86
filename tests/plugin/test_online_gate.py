"""The nightly gate against a fake Hub, run as a user runs it: `harness fetch`, `harness lock`, then
the accuracy suite in strict mode, each in its own process with HF_ENDPOINT pointing at the fake."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from harness.claims.cards import load_registry

SST2_FP32 = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
BACKENDS = ("torch", "onnx")  # Intel Neural Compressor runs in its own environment (tox -e inc)
ON_BACKENDS = [arg for backend in BACKENDS for arg in ("--backend", backend)]
# The models whose tiny stand-ins reproduce their card's figures (CLINC's stand-in does not reproduce
# the card's eval loss), so a correct online path passes every claim it checks.
MATCHING = (
    SST2_FP32, "Intel/distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc",
    "typeform/distilbert-base-uncased-mnli", "Intel/dynamic_tinybert",
)  # fmt: skip


@pytest.fixture
def nightly(pytester, run_gate, fake_hub, tmp_path, monkeypatch):
    """A project folder whose processes see only the fake Hub, an empty Hub cache and an empty harness cache."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.endpoint)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "harness-cache"))
    monkeypatch.delenv("HARNESS_STRICT", raising=False)

    def harness(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "harness.cli", *args], cwd=pytester.path, capture_output=True,
                              text=True, timeout=600)  # fmt: skip

    def gate(*args: str):
        return run_gate("-m", "accuracy", "--harness-strict", *args, suites=["accuracy"], hub="hub", backends=BACKENDS,
                        shared_cache=False)  # fmt: skip

    return harness, gate


def test_fetch_lock_and_the_strict_gate_run_against_the_hub(nightly, pytester, fake_hub):
    harness, gate = nightly
    fetched = harness("fetch", *ON_BACKENDS)
    assert fetched.returncode == 0, fetched.stderr
    assert "dataset nyu-mll/glue@" in fetched.stdout and f"model {SST2_FP32}@" in fetched.stdout
    locked = harness("lock", *ON_BACKENDS)
    assert locked.returncode == 0, locked.stderr
    assert "each checked against the Hub's record" in locked.stdout
    lock = json.loads((pytester.path / "harness.lock").read_text())
    commits = {entry["repo"]: entry["commit"] for entry in lock["artifacts"]}
    assert commits[SST2_FP32] == fake_hub.repo(SST2_FP32).refs["main"]

    result = gate("--harness-limit=300", "--harness-json=verdicts.json", *(f"--harness-model={m}" for m in MATCHING))

    claims = load_registry().select(suite="accuracy", models=MATCHING, checkable=True)
    cases = [(c.id, b) for c in claims if not c.relative for b in c.backends if b in BACKENDS]
    # A relative claim on 300 of 872 rows, INT8 agreeing with FP32: the sample cannot show a drop under 1%,
    # and strict fails what it cannot decide.
    undecided = [(c.id, b) for c in claims if c.relative for b in c.backends if b in BACKENDS]
    result.assert_outcomes(passed=len(cases), failed=len(undecided))
    result.stdout.fnmatch_lines(["*strict mode: a claim that cannot be checked fails: a sample of 300 cannot tell*"])
    verdicts = json.loads((pytester.path / "verdicts.json").read_text())["claims"]
    ran = [v for v in verdicts if v["status"] in ("pass", "fail")]
    assert sorted((v["claim_id"], v["backend"]) for v in ran) == sorted(cases + undecided)
    for verdict in ran:  # each claim read the locked revisions
        assert verdict["model_revision"] == commits[verdict["model"]], verdict


def test_a_file_changed_after_locking_fails_the_gate_naming_it(nightly, pytester, tmp_path):
    harness, gate = nightly
    assert harness("fetch", "--model", SST2_FP32, *ON_BACKENDS).returncode == 0
    assert harness("lock", "--model", SST2_FP32, *ON_BACKENDS).returncode == 0
    weights = next((tmp_path / "hf" / "hub").glob("models--distilbert--*/snapshots/*/model.safetensors")).resolve()
    weights.write_bytes(weights.read_bytes()[:-4] + b"\0\0\0\0")

    result = gate(f"--harness-model={SST2_FP32}")

    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*model.safetensors has sha256 *, but *harness.lock pins *"])


def test_the_strict_gate_without_a_lock_fails_every_claim(nightly, pytester):
    harness, gate = nightly
    assert harness("fetch", "--model", SST2_FP32, *ON_BACKENDS).returncode == 0

    result = gate(f"--harness-model={SST2_FP32}")

    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*strict mode loads only files pinned by a lock, and there is no lock at *"])


def test_an_existing_lock_changes_only_with_update_and_says_what_changed(nightly, pytester, fake_hub):
    harness, _ = nightly
    only = ("--model", SST2_FP32, *ON_BACKENDS)
    assert harness("fetch", *only).returncode == 0
    assert harness("lock", *only).returncode == 0
    written = (pytester.path / "harness.lock").read_text()
    old = fake_hub.repo(SST2_FP32).refs["main"]
    new = fake_hub.commit(SST2_FP32, {"tokenizer_config.json": b'{"do_lower_case": true}'})

    assert harness("fetch", "--update", *only).returncode == 0  # the cards' revision: the new main
    checked = harness("lock", *only)
    assert checked.returncode == 0 and "the cache matches" in checked.stdout
    assert (pytester.path / "harness.lock").read_text() == written  # never rewritten without --update

    updated = harness("lock", "--update", *only)
    assert updated.returncode == 0, updated.stderr
    assert f"commit {old[:12]} -> {new[:12]}" in updated.stdout
    assert "tokenizer_config.json sha256 " in updated.stdout
    entries = json.loads((pytester.path / "harness.lock").read_text())["artifacts"]
    assert next(e["commit"] for e in entries if e["repo"] == SST2_FP32) == new


def test_a_strict_run_in_which_no_claim_was_checked_fails(run_gate, monkeypatch):
    monkeypatch.delenv("HARNESS_STRICT", raising=False)
    # -m latency selects none of the accuracy tests: nothing is checked.
    lenient = run_gate("-m", "latency", suites=["accuracy"], hub="replica", shared_cache=False)
    assert lenient.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    monkeypatch.setenv("HARNESS_STRICT", "1")
    strict = run_gate("-m", "latency", suites=["accuracy"], hub="replica", shared_cache=False)
    assert strict.ret == pytest.ExitCode.TESTS_FAILED
    strict.stdout.fnmatch_lines(["*harness: strict mode: no claim was checked in this run*"])


def test_a_lock_that_is_not_json_is_a_usage_error_naming_it(pytester, run_gate):
    (pytester.path / "harness.lock").write_text("{not json")
    result = run_gate("-m", "accuracy", suites=["accuracy"], hub="hub", shared_cache=False)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*harness.lock: not valid JSON*harness lock --update*"])
