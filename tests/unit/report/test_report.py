"""The markdown report and the accuracy-latency-size picture, from a verdicts document."""

from __future__ import annotations

import json

import pytest

from harness.claims.cards import load_registry
from harness.claims.verdict import FAIL, PASS, SKIPPED, Verdict
from harness.cli import main
from harness.report import picture
from harness.report import results as report

MNLI = "typeform/distilbert-base-uncased-mnli"


def verdicts():
    common = dict(model=MNLI, source="card", examples_per_second=500.0)
    return [
        Verdict(claim_id="mnli-matched-accuracy", backend="torch", status=PASS, metric="accuracy", claimed=0.82,
                target=0.82, measured=0.821, n=1000, **common),
        Verdict(claim_id="mnli-mismatched-accuracy", backend="onnx", status=FAIL, metric="accuracy", claimed=0.82,
                target=0.82, measured=0.40, n=1000, **common),
        Verdict(claim_id="mnli-mismatched-accuracy", backend="torch", status=SKIPPED, metric="accuracy",
                claimed=0.82, reason="model not in the Hub cache", model=MNLI),
    ]  # fmt: skip


def test_markdown_lists_the_claims_and_says_why_some_were_not_verified():
    rows = report.rows(verdicts(), load_registry(), models=[MNLI])
    text = report.markdown(rows, about={"hub": "replica"})
    assert (
        "| typeform/distilbert-base-uncased-mnli | torch | mnli-matched-accuracy | accuracy | pass | 0.82 | 0.821 |"
        in text
    )
    assert "- **mnli-mismatched-accuracy** [torch] (skipped): model not in the Hub cache" in text
    assert "not run" not in text  # rows this run did not reach stay out of the report


def latency_records():
    common = dict(model=MNLI, revision="abc", artifact="torch fp32", threads=2, mode="replica", max_seq_length=512)
    return [
        {**common, "backend": "torch", "kind": "single query", "examples": 1, "rounds": 40, "p50_ms": 20.0,
         "p90_ms": 31.0, "examples_per_second": 50.0},
        {**common, "backend": "torch", "kind": "throughput", "examples": 32, "rounds": 5, "p50_ms": 400.0,
         "p90_ms": 450.0, "examples_per_second": 80.0},
    ]  # fmt: skip


def test_points_put_accuracy_in_percent_and_time_per_example_in_ms():
    rows = report.rows(verdicts(), load_registry(), models=[MNLI])
    found, axis, left_out = picture.points(report.summary(rows, []))
    point = {p["label"]: p for p in found}["mnli-matched-accuracy [torch]"]
    assert point["quality"] == pytest.approx(82.1) and point["ms"] == pytest.approx(2.0) and point["size"] is None
    assert point["claimed"] == pytest.approx(82.0)  # the card's figure, marked beside the measured value
    assert point["verdict"] == "pass, card 0.82"  # the legend says what the point was judged against
    assert len(found) == 2 and not left_out  # the skipped claim has nothing to plot
    assert axis == picture.BATCHED


def test_benchmarked_latency_replaces_batched_time_and_never_mixes_with_it():
    rows = report.rows(verdicts(), load_registry(), models=[MNLI])
    found, axis, left_out = picture.points(report.summary(rows, latency_records()))
    assert axis == picture.SINGLE_QUERY
    assert [(p["label"], p["ms"]) for p in found] == [("mnli-matched-accuracy [torch]", 20.0)]
    assert left_out == ["mnli-mismatched-accuracy [onnx]"]  # measured, but its latency was not benchmarked


def test_markdown_summarizes_each_model_on_its_backend_with_latency_percentiles():
    rows = report.rows(verdicts(), load_registry(), models=[MNLI])
    text = report.markdown(rows, about={"hub": "replica"}, latency=latency_records())
    assert (
        "| typeform/distilbert-base-uncased-mnli | torch | mnli-matched-accuracy: 0.82 → 0.821 (pass) | — | 20.0 | "
        "31.0 | 80 |" in text
    )
    assert "tiny trained stand-ins, size and speed on true-size" in text


def parity_record():
    side = {"model": MNLI, "revision": "abc", "artifact": "torch fp32"}
    return {
        "pair": "mnli-onnx-vs-mnli-torch", "kind": "fp32", "candidate": {**side, "backend": "onnx"},
        "reference": {**side, "backend": "torch"}, "dataset": "nyu-mll/glue mnli/validation_matched",
        "dataset_revision": "def", "metric": "accuracy", "n": 1000, "n_total": 9815, "agreement": 0.998,
        "required_agreement": 0.995, "candidate_score": 0.821, "reference_score": 0.822,
        "only_candidate_right": 1, "only_reference_right": 2, "mcnemar_p": 1.0, "passed": True, "mode": "card",
    }  # fmt: skip


def test_markdown_reports_backend_parity_with_its_p_value():
    rows = report.rows(verdicts(), load_registry(), models=[MNLI])
    text = report.markdown(rows, about={"hub": "hub"}, parity=[parity_record()])
    assert "## Backends agree" in text
    assert "| 1000 of 9815 | 99.80% (≥ 99.5%) | 0.8210 / 0.8220 (accuracy) | 1 / 2 | 1 | pass |" in text


def test_the_report_command_writes_markdown_and_a_png(tmp_path, capsys):
    rows = report.rows(verdicts(), load_registry(), models=[MNLI])
    report.write_json(
        tmp_path / "verdicts.json", rows, about={"hub": "replica"}, latency=latency_records(), parity=[parity_record()]
    )
    assert main(["report", str(tmp_path / "verdicts.json"), "--out", str(tmp_path / "out")]) == 0
    assert "| 20.0 | 31.0 | 80 |" in (tmp_path / "out" / "report.md").read_text()  # the latency came through
    assert "| 1 / 2 | 1 | pass |" in (tmp_path / "out" / "report.md").read_text()  # and the parity
    png = tmp_path / "out" / "accuracy-latency-size.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert "![accuracy, latency and size](accuracy-latency-size.png)" in (tmp_path / "out" / "report.md").read_text()
    assert "wrote" in capsys.readouterr().out


def test_the_report_command_refuses_a_file_that_is_not_verdicts(tmp_path, capsys):
    (tmp_path / "other.json").write_text(json.dumps([1, 2]))
    assert main(["report", str(tmp_path / "other.json")]) == 2
    assert "is not a harness verdicts file" in capsys.readouterr().err


def test_markdown_says_which_mode_produced_each_verdict():
    common = dict(model=MNLI, source="card", metric="accuracy", claimed=0.82, target=0.82, status=PASS)
    sampled = Verdict(
        claim_id="mnli-matched-accuracy",
        backend="torch",
        measured=0.81,
        n=300,
        n_total=9815,
        evaluation="sample",
        interval=(0.75, 0.86),
        interval_method="99% Wilson score",
        **common,
    )
    full = Verdict(claim_id="mnli-mismatched-accuracy", backend="torch", measured=0.821, n=9832, n_total=9832,
                   evaluation="full split", device="cuda:0 (NVIDIA H200)", **common)  # fmt: skip
    text = report.markdown(report.rows([sampled, full], load_registry(), models=[MNLI]), about={})
    assert "| sample of 300 / 9815, 99% Wilson score [0.75, 0.86] |" in text
    assert "| full split (9832) on cuda:0 (NVIDIA H200) |" in text  # the report names where it ran


def test_a_relative_claim_is_listed_with_its_baseline_but_its_value_counts_once_per_model(tmp_path):
    int8 = "Intel/distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc"
    common = dict(model=int8, source="card", examples_per_second=500.0, n=872, metric="accuracy")
    found = [
        Verdict(claim_id="sst2-int8-onnx-accuracy", backend="onnx", status=PASS, claimed=0.9071, target=0.9071,
                measured=0.9071, **common),
        Verdict(claim_id="sst2-int8-onnx-recovery", backend="onnx", status=FAIL, claimed=None, target=0.9015,
                measured=0.9001, baseline="distilbert/... @ abc on torch", baseline_measured=0.9106, ratio=0.9885,
                **common),
    ]  # fmt: skip
    rows = report.rows(found, load_registry(), models=[int8])
    text = report.markdown(rows, about={"hub": "replica"})
    assert "| sst2-int8-onnx-recovery | accuracy | fail | — | 0.9001 |" in text
    (entry,) = [e for e in report.summary(rows, []) if e["backend"] == "onnx"]
    assert [r["claim_id"] for r in entry["quality"]] == ["sst2-int8-onnx-accuracy"]
    points, _, _ = picture.points(report.summary(rows, []))
    assert [p["label"] for p in points] == ["sst2-int8-onnx-accuracy [onnx]"]
