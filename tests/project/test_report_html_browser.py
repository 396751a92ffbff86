"""report.html opened in a real browser (Debian's chromium, headless): it renders without a console
error, shows one row per verdict, filters from its address, and loads nothing from outside the file."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from harness.claims.cards import load_registry
from harness.claims.verdict import FAIL, FAIL_STAND_IN, PASS, PASS_STAND_IN, SKIPPED, Verdict
from harness.report import history
from harness.report import results as report

SST2 = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
INT8 = "Intel/distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc"


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        message = "Debian's chromium is not installed (`apt-get install chromium`; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI the browser test must run, never skip
        pytest.skip(message)
    return found


def browse(chromium: str, page: Path, *options: str, anchor: str = "") -> subprocess.CompletedProcess:
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
               *options, f"file://{page}{anchor}"]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def console_messages(stderr: str) -> list[str]:
    """What the page wrote to its console (errors, uncaught exceptions, warnings), as chromium logs it."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def verdicts() -> list[Verdict]:
    common = dict(examples_per_second=400.0, n=872, n_total=872, metric="accuracy", dataset="nyu-mll/glue sst2/validation")
    return [
        Verdict(claim_id="sst2-fp32-accuracy", backend="torch", status=PASS_STAND_IN, claimed=0.9106, target=0.9106,
                measured=0.9106, model=SST2, source="Accuracy of the FP32 base model", **common),
        Verdict(claim_id="sst2-fp32-accuracy", backend="onnx", status=FAIL_STAND_IN, claimed=0.9106, target=0.9106,
                measured=0.5, model=SST2, diagnosis=("label order: reading the labels the other way gives 0.91",),
                notes=("onnx model.onnx, max_seq_length 128",), **common),
        Verdict(claim_id="sst2-int8-onnx-accuracy", backend="onnx", status=PASS, claimed=0.9071, target=0.9071,
                measured=0.9060, model=INT8, interval=(0.89, 0.92), interval_method="99% Wilson score", **common),
        Verdict(claim_id="sst2-int8-onnx-recovery", backend="onnx", status=FAIL, claimed=None, target=0.9015,
                measured=0.85, model=INT8, baseline=f"{SST2} @ abc on torch", baseline_measured=0.9106, ratio=0.933,
                paired_test="the whole split: both values are the split's own, compared as they are", **common),
        Verdict(claim_id="sst2-int8-pytorch-accuracy", backend="inc", status=SKIPPED, claimed=0.9037,
                reason="backend 'inc' is not installed in this environment", model=INT8, metric="accuracy"),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    rows = report.rows(verdicts(), load_registry(), models=[SST2, INT8])
    runs = folder / "history"
    for day, measured in [(1, 0.9106), (2, 0.9106), (3, 0.5)]:
        claims = [{**rows[1], "measured": measured}]
        history.append(runs, claims=claims, about={"finished": f"2026-12-0{day}T00:00:00+00:00"}, examples={},
                       root=folder)  # fmt: skip
    latency = [{"model": SST2, "backend": "torch", "kind": "single query", "p50_ms": 12.0, "p90_ms": 15.0,
                "examples_per_second": 80.0}]  # fmt: skip
    written = report.write_report(folder / "out", rows, about={"hub": "replica"}, latency=latency, history=runs)
    return written[-1]


def test_the_report_renders_without_console_errors_and_shows_one_row_per_verdict(chromium, page):
    shown = browse(chromium, page, "--dump-dom")
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert console_messages(shown.stderr) == []
    dom = shown.stdout
    rows = re.findall(r'<tr class="verdict"[^>]*>', dom)
    assert len(rows) == len(verdicts()) and not any("hidden" in row for row in rows)
    assert f"Showing {len(verdicts())} of {len(verdicts())} verdicts" in dom  # the page's script ran
    assert dom.count("<details") == len(verdicts()) and len(re.findall(r'<details id="detail-\d+" open', dom)) == 2
    assert "label order: reading the labels the other way gives 0.91" in dom and "99% Wilson score [0.8900" in dom
    assert 'id="picture"><svg' in dom and 'id="history"><svg' in dom and "2026-12-03T00:00:00+00:00" in dom


def test_the_status_filter_from_the_address_hides_the_other_rows(chromium, page):
    dom = browse(chromium, page, "--dump-dom", anchor="#status=fail").stdout
    rows = re.findall(r'<tr class="verdict"[^>]*>', dom)
    assert len(rows) == 5 and all(('data-status="fail"' in row) != ("hidden" in row) for row in rows)
    assert "Showing 1 of 5 verdicts" in dom  # "fail", not "fail (stand-in)": the filter takes the status whole


def test_the_page_loads_nothing_from_outside_the_file(page):
    text = page.read_text()
    assert "default-src 'none'" in text  # the page's own policy forbids any other load
    links = re.findall(r'(?:src|href)="([^"]*)"', text)
    assert links and all(link.startswith(("#", "data:")) for link in links), links


def test_a_console_error_would_be_caught(chromium, tmp_path):
    broken = tmp_path / "broken.html"
    broken.write_text("<!doctype html><p>x</p><script>notDefined();</script>")
    said = console_messages(browse(chromium, broken, "--dump-dom").stderr)
    assert len(said) == 1 and "Uncaught ReferenceError: notDefined is not defined" in said[0]


def test_a_screenshot_of_the_report(chromium, page, tmp_path):
    shot = tmp_path / "report.png"
    done = browse(chromium, page, "--hide-scrollbars", "--window-size=1300,2200", f"--screenshot={shot}")
    assert done.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
