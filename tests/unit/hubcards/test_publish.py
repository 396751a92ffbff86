"""What the harness measured, published in the Hub's .eval_results format: only claims that held against the
card on the real model; written to a folder, or opened as a pull request on the (fake) Hub and read back."""

from __future__ import annotations

import json

import pytest
import yaml

from harness.claims.cards import card_claims
from harness.hub.resolve import HubLocation
from harness.hubcards.importer import import_card
from harness.hubcards.publish import REPORT_FILE, RESULTS_FILE, entries_for, open_pull_request, split_dataset, write

FP32 = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"


def verdict(claim_id: str, status: str = "pass", mode: str = "card", model: str = FP32, **fields) -> dict:
    return {"claim_id": claim_id, "backend": "torch", "status": status, "mode": mode, "metric": "accuracy",
            "claimed": 0.9106, "measured": 0.9117, "tolerance": "±0.005 (two-sided)", "n": 872, "n_total": 872,
            "model": model, "dataset": "nyu-mll/glue sst2/validation", "dataset_revision": "bcdcba7", **fields}  # fmt: skip


@pytest.fixture
def verdicts(tmp_path):
    path = tmp_path / "verdicts.json"
    claims = [
        verdict("held"),
        verdict("failed", status="fail"),
        verdict("stand-in", status="pass (stand-in)", mode="replica"),
        verdict("skipped", status="skipped", measured=None),
        verdict("other-model", model="org/other"),
        verdict("relative", claimed=None, baseline=f"{FP32} @ abc on torch", tolerance="at least 0.99 × ..."),
    ]
    path.write_text(json.dumps({"harness": "9.9", "finished": "2026-12-03T09:00:00+00:00", "claims": claims}))
    (tmp_path / "report.md").write_text("# report\n")
    return path


def test_only_claims_that_held_on_the_real_model_are_published(verdicts):
    publication = entries_for(verdicts, FP32)
    (entry,) = publication.entries
    assert entry["dataset"] == {"id": "nyu-mll/glue", "task_id": "sst2", "revision": "bcdcba7"}
    assert (entry["value"], entry["date"]) == (0.9117, "2026-12-03T09:00:00+00:00")
    assert entry["source"]["url"] == f"https://huggingface.co/{FP32}/blob/main/{REPORT_FILE}"
    assert entry["notes"].startswith("accuracy on sst2/validation, backend torch, all 872 examples, harness 9.9, verdict pass")
    assert publication.left_out == [
        "failed [torch]: status fail: only a claim that held is published",
        "stand-in [torch]: measured on a stand-in, not on the model: never published",
        "skipped [torch]: status skipped: only a claim that held is published",
        "relative [torch]: a relative claim, judged against another model and not a figure of the card: never published",
    ]


def test_written_entries_read_back_as_claims_of_the_same_figure(verdicts, tmp_path):
    out = tmp_path / "out"
    written = write(entries_for(verdicts, FP32), out, report=tmp_path / "report.md")
    assert [p.relative_to(out).as_posix() for p in written] == [RESULTS_FILE, REPORT_FILE]
    assert yaml.safe_load((out / RESULTS_FILE).read_text())[0]["value"] == 0.9117
    with pytest.raises(FileExistsError, match="exists; pass --force"):
        write(entries_for(verdicts, FP32), out, report=None)


def test_the_dataset_as_reports_name_it_splits_back_into_repo_config_and_split():
    assert split_dataset("nyu-mll/glue sst2/validation") == ("nyu-mll/glue", "sst2", "validation")
    assert split_dataset("org/data/test") == ("org/data", None, "test")


def test_a_pull_request_on_the_hub_carries_the_results_and_an_import_reads_them_back(
    verdicts, tmp_path, fake_hub, monkeypatch
):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    out = tmp_path / "out"
    write(entries_for(verdicts, FP32), out, report=tmp_path / "report.md")
    with monkeypatch.context() as patched:  # the answer's URLs are read against HF_ENDPOINT, as in a user's process
        patched.setattr(constants, "ENDPOINT", fake_hub.endpoint)
        url = open_pull_request(out, FP32, endpoint=fake_hub.endpoint, count=1)
    (pull,) = fake_hub.pulls
    assert url.endswith(f"/{FP32}/discussions/1") and set(pull.files) == {RESULTS_FILE, REPORT_FILE}
    assert fake_hub.repo(FP32).refs["main"] != pull.sha  # a pull request, not a push to main

    online = HubLocation(cache_dir=tmp_path / "hub", offline=False, label="a test cache", endpoint=fake_hub.endpoint)
    document = import_card(FP32, location=online, revision="refs/pr/1")
    (published,) = [c for c in card_claims(document, "pr") if c.provenance["kind"] == "eval-results"]
    assert (published.metric, published.value, published.dataset.describe()) == (
        "accuracy", 0.9117, "nyu-mll/glue sst2/validation")  # fmt: skip
    assert published.provenance["at"] == [f"{RESULTS_FILE}[0]"]
