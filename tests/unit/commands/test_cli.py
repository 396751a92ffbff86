"""The command line: the claims table, and a replica command that never overwrites by surprise."""

from __future__ import annotations

import json

import pytest

from harness.claims.cards import load_registry
from harness.cli import main
from harness.replica.tiny import snapshot_folder


def test_claims_lists_every_claim_and_why_some_cannot_be_checked(capsys):
    assert main(["claims"]) == 0
    out = capsys.readouterr().out
    for claim in load_registry().claims:
        assert claim.id in out
    assert "not checkable:\n" in out and "\n  bert-large-sparse-90-squad-f1: Measured on a descendant" in out


def test_claims_json_filters_by_model(capsys):
    assert main(["claims", "--json", "--model", "typeform/distilbert-base-uncased-mnli"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["id"] for row in rows] == ["mnli-matched-accuracy", "mnli-mismatched-accuracy"]


def test_replica_refuses_to_replace_a_folder_that_has_files(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["replica", "--out", str(tmp_path)]) == 2
    assert "exists and is not empty; pass --force" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_demo_keeps_a_results_file_it_did_not_write(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tests" / "accuracy").mkdir(parents=True)
    (tmp_path / "tests" / "latency").mkdir(parents=True)
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "verdicts.json").write_text("my own notes")
    assert main(["demo"]) == 2
    assert "was not written by harness" in capsys.readouterr().err
    assert (tmp_path / "results" / "verdicts.json").read_text() == "my own notes"


def test_a_defect_needs_its_model(tmp_path, capsys):
    assert main(["replica", "--out", str(tmp_path / "r"), "--defect", "swap-labels"]) == 2
    assert "--defect and --defect-model go together" in capsys.readouterr().err


def test_replica_writes_a_broken_copy_and_leaves_the_cache_intact(tmp_path, capsys, monkeypatch, replica_root):
    monkeypatch.setenv("HARNESS_CACHE", str(replica_root.parent))
    repo = "typeform/distilbert-base-uncased-mnli"
    assert main(["replica", "--out", str(tmp_path / "r"), "--defect", "swap-labels", "--defect-model", repo]) == 0
    assert "swap-labels: changed" in capsys.readouterr().out
    broken = json.loads((snapshot_folder(tmp_path / "r", repo) / "config.json").read_text())
    healthy = json.loads((snapshot_folder(replica_root, repo) / "config.json").read_text())
    reversed_names = list(healthy["id2label"].values())[::-1]
    assert broken["id2label"] == dict(zip(healthy["id2label"], reversed_names, strict=True))
    assert broken != healthy


@pytest.mark.parametrize("argv", [["replica"], ["nonsense"]])
def test_usage_errors_exit_2(argv):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2


def test_cache_clear_empties_both_caches_and_keeps_the_rest(tmp_path, capsys):
    import numpy as np

    from harness.cache.features import FeatureCache
    from harness.cache.predictions import PredictionCache

    PredictionCache(tmp_path / "predictions").put("ab" * 32, scores=np.ones(2), predictions=["a", "b"], notes=(),
                                                  seconds=1.0, features=2)  # fmt: skip
    FeatureCache(tmp_path / "features").put("cd" * 32, {"ids": np.arange(3)})
    FeatureCache(tmp_path / "features").put("ce" * 32, {"ids": np.arange(3)})
    (tmp_path / "work").mkdir()
    assert main(["cache", "clear", "--cache-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "removed 1 cached evaluations" in out and "removed 2 tokenized splits" in out
    assert not list(tmp_path.rglob("*.json")) and not list(tmp_path.rglob("*.npz"))
    assert (tmp_path / "work").is_dir()  # exports go only with --all
