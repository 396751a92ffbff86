"""`harness import` and `harness publish` as a user types them: what they print, what they refuse, and
that the cards they write are read by `harness claims --cards` like hand-written ones."""

from __future__ import annotations

import json

import pytest

from harness.cli import main

CLINC = "Adriana213/distilbert-base-uncased-finetuned-clinc"


@pytest.fixture
def hub(replica_root):
    return ["--hub", str(replica_root)]


def test_import_writes_a_card_that_claims_lists_and_names_what_waits_for_review(hub, tmp_path, capsys):
    out = tmp_path / "cards"
    assert main(["import", CLINC, *hub, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out / 'adriana213-distilbert-base-uncased-finetuned-clinc.yaml'}: 2 claims from {CLINC}@" in printed
    assert "0 checkable, 2 waiting for review, 0 not checkable" in printed
    assert "needs review: datasets.clinc-oos: dataset 'clinc_oos'" in printed and "1. clinc/clinc_oos plus/validation" in printed

    assert main(["import", CLINC, *hub, "--out", str(out), "--choose", "clinc-oos=1", "--force"]) == 0
    assert "2 checkable, 0 waiting for review" in capsys.readouterr().out
    assert main(["claims", "--cards", str(out), "--json"]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    accuracy = rows["distilbert-base-uncased-finetuned-clinc-clinc-oos-accuracy"]
    assert (accuracy["value"], accuracy["dataset"], accuracy["backends"]) == (
        0.9206, "clinc/clinc_oos plus/validation", "torch,onnx,openvino")  # fmt: skip


def test_import_never_replaces_a_card_without_force(hub, tmp_path, capsys):
    out = tmp_path / "cards"
    assert main(["import", CLINC, *hub, "--out", str(out)]) == 0
    card = next(out.iterdir())
    card.write_text(card.read_text() + "# my review\n")
    assert main(["import", CLINC, *hub, "--out", str(out)]) == 2
    assert "exists; pass --force to replace it" in capsys.readouterr().err
    assert card.read_text().endswith("# my review\n")


def test_import_reads_a_local_readme_with_the_repos_config(hub, tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("---\nmodel-index:\n- name: m\n  results:\n  - task: {type: text-classification}\n"
                      "    dataset: {type: glue, name: GLUE, config: sst2, split: validation}\n"
                      "    metrics:\n    - {type: accuracy, value: 0.9}\n---\n")  # fmt: skip
    repo = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
    assert main(["import", repo, *hub, "--readme", str(readme), "--out", str(tmp_path / "cards")]) == 0
    assert f"1 claims from {readme}: 1 checkable" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("readme", "message"),
    [
        ("---\nmodel-index: [\n---\n", "the front matter is not valid YAML at line"),
        ("# A card\n\nIt is good.\n", "no results to import: the card has no model-index results"),
        ("---\nmodel-index: {name: m, results: 3}\n---\n", "Skipped: model-index[0].results: expected a list, found int"),
    ],
)
def test_bad_cards_are_refused_with_the_place_and_the_fix(hub, tmp_path, capsys, readme, message):
    path = tmp_path / "README.md"
    path.write_text(readme)
    assert main(["import", CLINC, *hub, "--readme", str(path), "--out", str(tmp_path / "cards")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"harness import: {path}") and message in err


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ("nothing=1", "the card has no model or dataset 'nothing' (it has model, clinc-oos)"),
        ("clinc-oos=9", "datasets.clinc-oos has 6 candidates; pick a number from 1 to 6"),
        ("model=1", "models.model has 0 candidates and nothing to review"),
        ("clinc-oos", "expected NAME=N, e.g. --choose sst2=1"),
    ],
)
def test_a_choice_that_resolves_nothing_says_what_there_is(hub, tmp_path, capsys, choice, message):
    assert main(["import", CLINC, *hub, "--out", str(tmp_path), "--choose", choice]) == 2
    assert message in capsys.readouterr().err


def test_an_unknown_repo_says_how_to_fetch_it(hub, tmp_path, capsys):
    assert main(["import", "acme/missing", *hub, "--out", str(tmp_path)]) == 2
    assert "model acme/missing at revision main is not available" in capsys.readouterr().err


def test_publish_with_nothing_that_held_publishes_nothing(tmp_path, capsys):
    verdicts = tmp_path / "verdicts.json"
    verdicts.write_text(json.dumps({"harness": "1", "claims": [
        {"claim_id": "c", "backend": "torch", "status": "pass (stand-in)", "mode": "replica", "model": CLINC}]}))  # fmt: skip
    assert main(["publish", str(verdicts), "--repo", CLINC]) == 1
    captured = capsys.readouterr()
    assert "not published: c [torch]: measured on a stand-in" in captured.out
    assert "nothing to publish" in captured.err and not (tmp_path / "published").exists()
