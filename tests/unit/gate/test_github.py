"""GitHub's workflow commands and job summary, written only when the environment says GitHub Actions."""

from __future__ import annotations

from pathlib import Path

import yaml

from harness.claims.cards import load_card
from harness.claims.model import Registry
from harness.gate import github

CARD = {
    "card": "c", "models": {"m": {"repo": "org/m"}},
    "datasets": {"d": {"repo": "org/d", "split": "validation", "files": "v-*.parquet", "inputs": ["text"],
                       "label": "label"}},
    "claims": [
        {"id": "first", "model": "m", "dataset": "d", "task": "text-classification", "metric": "accuracy",
         "value": 0.9, "tolerance": 0.01, "backends": ["torch"], "source": "s"},
        {"id": "second", "model": "m", "dataset": "d", "task": "text-classification", "metric": "accuracy",
         "value": 0.8, "tolerance": 0.01, "backends": ["torch"], "source": "s"},
    ],
}  # fmt: skip


def row(claim_id: str, status: str) -> dict:
    return {"claim_id": claim_id, "backend": "torch", "status": status, "metric": "accuracy", "claimed": 0.8,
            "measured": 0.7512, "tolerance": "±0.01 (two-sided)", "reason": None, "compared_with": "the card's figure"}  # fmt: skip


def test_a_failed_claim_is_annotated_at_the_line_of_its_id(tmp_path: Path):
    path = tmp_path / "cards" / "c.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(CARD, sort_keys=False))
    registry = Registry(tuple(load_card(path)))
    line = path.read_text().splitlines().index("- id: second") + 1
    found = github.annotations([row("first", "pass"), row("second", "fail")], registry,
                               {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(tmp_path)})  # fmt: skip
    assert found == [
        f"::error file=cards/c.yaml,line={line},title=claim second [torch] does not hold::accuracy: claimed 0.8, "
        "measured 0.7512, tolerance ±0.01 (two-sided); compared with the card's figure"
    ]
    assert github.annotations([row("second", "fail")], registry, {}) == []  # not on GitHub: nothing


def test_the_job_summary_is_appended_to_never_replaced(tmp_path: Path):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    assert github.step_summary("| claim |\n", {"GITHUB_STEP_SUMMARY": str(summary)}) == summary
    assert summary.read_text() == "earlier step\n| claim |\n\n"
    assert github.step_summary("| claim |\n", {}) is None


def test_workflow_command_data_is_escaped():
    assert github._escape("50% done\nnext") == "50%25 done%0Anext"
    assert github._escape("a:b,c", property=True) == "a%3Ab%2Cc"
