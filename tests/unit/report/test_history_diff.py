"""History entries, predictions files and the diff of two runs, on hand-made runs: what is comparable,
what is tested, and the messages and exit statuses a reader gets."""

from __future__ import annotations

import json
import os
from importlib import metadata

import pytest

from harness.cli import main
from harness.report import diff, history, trend


def verdict(measured: float, **fields) -> dict:
    return {"claim_id": "c", "backend": "torch", "metric": "accuracy", "status": "pass", "claimed": 0.9,
            "measured": measured, "n": 4, "n_total": 4, "dataset_revision": "d1", **fields}  # fmt: skip


def columns(predictions: list[str], gold: list[str], index=(0, 1, 2, 3)) -> dict:
    return {"index": list(index), "text": [f"text {i}" for i in index], "prediction": predictions,
            "reference": gold, "score": [float(p == g) for p, g in zip(predictions, gold, strict=True)]}  # fmt: skip


GOLD = ["a", "b", "a", "b"]


def write_run(folder, finished: str, measured: float, predictions: list[str], **fields):
    return history.append(folder, claims=[verdict(measured, **fields)], about={"finished": finished},
                          examples={"c|torch": columns(predictions, GOLD)}, root=folder)  # fmt: skip


def test_an_entry_records_the_machine_and_libraries_and_never_overwrites(tmp_path):
    first = write_run(tmp_path, "2026-12-01T00:00:00+00:00", 1.0, GOLD)
    second = write_run(tmp_path, "2026-12-01T00:00:00+00:00", 1.0, GOLD)
    assert first != second and history.entries(tmp_path) == [first, second]
    about = json.loads(first.read_text())["about"]
    assert about["machine"]["cores"] == os.cpu_count() and about["libraries"]["numpy"] == metadata.version("numpy")
    assert about["git_commit"] is None  # not a git repository


def test_a_file_that_is_not_a_run_is_refused_naming_what_was_expected(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"rows": []}')
    with pytest.raises(history.HistoryError, match=r"x\.json: not a run's verdicts: expected a JSON object with a 'claims'"):
        history.load(path)
    assert main(["diff", str(path), str(path)]) == 2


def test_predictions_files_round_trip(tmp_path):
    written = history.write_predictions(tmp_path, {"c|torch": columns(GOLD, GOLD)})
    assert [p.name for p in written] == ["c.torch.jsonl"]
    assert history.read_predictions(tmp_path) == {"c|torch": columns(GOLD, GOLD)}


@pytest.mark.parametrize(
    ("new_fields", "new_index", "said"),
    [
        ({"dataset_revision": "d2"}, (0, 1, 2, 3), "another dataset revision (d1 and d2)"),
        ({"n": 3, "n_total": 4}, (0, 1, 2), "another sample (the whole split of 4 and 3 of 4 rows)"),
        ({"n": 4, "n_total": 10}, (0, 1, 2, 3), "another sample (the same size, 4 of 10 rows, but other rows"),
    ],
    ids=["dataset-revision", "sample-size", "other-rows"],
)
def test_runs_on_other_data_are_not_comparable(new_fields, new_index, said):
    old_fields = {"n_total": 10} if new_fields.get("n_total") == 10 else {}
    found = diff.compare_claim(verdict(1.0, **old_fields), verdict(0.5, **new_fields), columns(GOLD, GOLD),
                               columns(["a"] * len(new_index), GOLD[: len(new_index)], new_index)
                               if new_fields.get("n") == 3 else columns(["a"] * 4, GOLD, (4, 5, 6, 7)))  # fmt: skip
    assert said in found.not_comparable and not found.regressed


def test_without_per_example_results_the_change_is_shown_not_tested():
    found = diff.compare_claim(verdict(1.0), verdict(0.5), None, None)
    assert found.change is None and "no per-example results kept by both runs" in found.untested
    assert diff.describe(found) == [
        "c [torch] accuracy: 1.0000 → 0.5000 (-0.5000); not tested: no per-example results kept by both runs "
        "(--harness-history or --harness-predictions keeps them)"
    ]


def test_the_cli_exits_2_when_nothing_is_comparable_and_0_on_identical_runs(tmp_path, capsys):
    old = write_run(tmp_path, "2026-12-01T00:00:00+00:00", 1.0, GOLD)
    same = write_run(tmp_path, "2026-12-02T00:00:00+00:00", 1.0, GOLD)
    other = write_run(tmp_path, "2026-12-03T00:00:00+00:00", 1.0, GOLD, dataset_revision="d2")
    assert main(["diff", str(old), str(same)]) == 0
    assert "no change, every example predicted as before" in capsys.readouterr().out
    assert main(["diff", str(old), str(other)]) == 2
    assert "the two runs measured nothing comparable" in capsys.readouterr().out


def test_the_trend_lists_each_run_and_draws_a_png(tmp_path):
    for day, measured in [(1, 1.0), (2, 0.75)]:
        write_run(tmp_path, f"2026-12-0{day}T00:00:00+00:00", measured, GOLD)
    runs = [history.load(p) for p in history.entries(tmp_path)]
    found = trend.series(runs)
    assert [v["measured"] for _, v in found[("c", "torch")]] == [1.0, 0.75]
    assert "the card claims 0.9" in trend.table(found)
    assert trend.plot(found, tmp_path / "t.png", title="t").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(history.HistoryError, match="no such history folder; runs add to it with --harness-history"):
        history.entries(tmp_path / "absent")
