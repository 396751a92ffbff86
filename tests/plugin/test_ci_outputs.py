"""Results where CI users look: JUnit properties, the same verdicts under pytest-xdist as in one process,
and, under GitHub Actions, the job summary and an annotation on the failing claim's card line."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree

from harness.replica.defects import apply_defect

MNLI = "typeform/distilbert-base-uncased-mnli"
CLINC = "Adriana213/distilbert-base-uncased-finetuned-clinc"
TIMING = ("seconds", "examples_per_second", "features_per_second", "notes")  # notes name the cache hit


def claims_of(path) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in TIMING} for row in json.loads(path.read_text())["claims"]]


def test_junit_properties_carry_each_claims_figures_and_revisions(run_gate, pytester):
    result = run_gate("-m", "accuracy", "--junitxml=junit.xml", "--harness-limit=200", suites=["accuracy"],
                      hub="replica", models=[CLINC], backends=["torch"])  # fmt: skip
    result.assert_outcomes(passed=2)
    cases = ElementTree.parse(pytester.path / "junit.xml").getroot().iter("testcase")
    properties = [{p.get("name"): p.get("value") for p in case.iter("property")} for case in cases]
    accuracy = next(p for p in properties if p.get("harness_claim_id") == "clinc-accuracy")
    assert accuracy["harness_status"] == "pass (stand-in)" and accuracy["harness_claimed"] == "0.9206"
    assert accuracy["harness_n"] == "200" and len(accuracy["harness_model_revision"]) == 40
    assert accuracy["harness_dataset"] == "clinc/clinc_oos plus/validation" and "harness_measured" in accuracy
    assert not any("harness_verdict" in p for p in properties)  # the full record stays off the XML


def test_xdist_workers_give_the_same_table_and_verdicts_as_one_process(run_gate, pytester):
    common = ("-m", "accuracy", "--harness-limit=120", "--harness-strict")
    options = dict(suites=["accuracy"], hub="replica", models=[MNLI, CLINC], backends=["torch", "onnx"])
    kept = ("--harness-predictions={}-predictions", "--harness-history={}-history")
    alone = run_gate(*common, "--harness-json=alone.json", *(k.format("alone") for k in kept), **options)
    shared = run_gate(*common, "-n", "2", "--harness-json=shared.json", *(k.format("shared") for k in kept), **options)
    alone.assert_outcomes(passed=8)
    shared.assert_outcomes(passed=8)
    assert claims_of(pytester.path / "shared.json") == claims_of(pytester.path / "alone.json")
    # The per-example results travel from the workers too: the same predictions files and history entry.
    predictions = sorted(p.name for p in (pytester.path / "alone-predictions").iterdir())
    assert len(predictions) == 8 and sorted(p.name for p in (pytester.path / "shared-predictions").iterdir()) == predictions
    for name in predictions:
        assert (pytester.path / "shared-predictions" / name).read_text() == (pytester.path / "alone-predictions" / name).read_text()
    (one,), (many,) = [[json.loads(p.read_text()) for p in (pytester.path / f"{run}-history").glob("*.json")]
                       for run in ("alone", "shared")]  # fmt: skip
    assert many["examples"] == one["examples"] and len(one["examples"]) == 8
    table = [line for line in alone.stdout.lines if line.startswith(("mnli-", "clinc-"))]
    # four claims on torch, onnx and openvino (not selected here, so "not run" in both tables)
    assert len(table) == 12 and all(line.split()[:3] in [s.split()[:3] for s in shared.stdout.lines] for line in table)


def test_xdist_fails_latency_tests_it_cannot_time(run_gate):
    result = run_gate("-m", "latency", "-n", "2", suites=["benchmarks"], hub="replica", models=[CLINC], backends=["torch"])
    assert result.ret == 1 and "INTERNALERROR" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*pytest-benchmark does not time under pytest-xdist*run the latency suite in one process*"])


def test_under_github_actions_a_failing_claim_is_annotated_at_its_card_line(run_gate, pytester, replica_copy,
                                                                           monkeypatch):  # fmt: skip
    apply_defect(replica_copy, repo=MNLI, defect="perturb-head")
    summary = pytester.path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = run_gate("-m", "accuracy", "--harness-limit=300", suites=["accuracy"], hub=replica_copy, models=[MNLI],
                      backends=["torch"])  # fmt: skip
    result.assert_outcomes(failed=2)
    from harness.claims.cards import load_registry

    claim = load_registry().by_id("mnli-matched-accuracy")
    line = 1 + claim_line(claim.card_file, "mnli-matched-accuracy")
    result.stdout.fnmatch_lines([
        f"::error file=*typeform-distilbert-mnli.yaml,line={line},title=claim mnli-matched-accuracy [[]torch[]] does not "
        "hold::accuracy: claimed 0.82, measured 0.*, tolerance ±0.005 (two-sided); compared with the stand-in's*",
    ])  # fmt: skip
    assert f"line={line},title=claim mnli-matched-accuracy [torch] does not hold::" in result.stdout.str()
    result.stdout.fnmatch_lines([
        "::error file=*typeform-distilbert-mnli.yaml,line=*,title=claim mnli-mismatched-accuracy*",
    ])  # fmt: skip
    written = summary.read_text()
    assert "| mnli-matched-accuracy |" in written or "mnli-matched-accuracy" in written
    assert "fail (stand-in)" in written


def claim_line(path: str, claim_id: str) -> int:
    """The 0-based line of ``- id: claim_id`` in a card, found here independently of the harness."""
    return next(i for i, text in enumerate(open(path, encoding="utf-8")) if text.strip() == f"- id: {claim_id}")


def test_torchrun_and_xdist_together_are_refused_at_start(run_gate, monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")  # as torchrun sets it for each rank
    result = run_gate("-m", "accuracy", "-n", "2", suites=["accuracy"], hub="replica", models=[CLINC])
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*torchrun and pytest-xdist (-n) do not combine*run one of the two*"])
