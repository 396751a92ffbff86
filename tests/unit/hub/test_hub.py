"""Resolution through the Hub cache: what is missing is named, with the command that fetches it."""

from __future__ import annotations

import pytest

from harness.hub.resolve import ArtifactMissing, HubLocation, resolve


def test_missing_repo_names_repo_revision_and_fetch_command(tmp_path):
    location = HubLocation(cache_dir=tmp_path / "hub", offline=True, label="an empty cache")
    with pytest.raises(ArtifactMissing) as caught:
        resolve("org/model", location=location, revision="abc123", patterns=["*.json", "model.onnx"])
    message = str(caught.value)
    assert "model org/model at revision abc123 is not available" in message
    assert "hf download org/model --revision abc123 --include '*.json' model.onnx --cache-dir" in message


def test_missing_file_in_a_cached_snapshot_is_named(tmp_path):
    revision = "a" * 40
    storage = tmp_path / "hub" / "datasets--org--data"
    (storage / "snapshots" / revision / "cfg").mkdir(parents=True)
    (storage / "snapshots" / revision / "cfg" / "train-0.parquet").write_bytes(b"")
    (storage / "refs").mkdir()
    (storage / "refs" / "main").write_text(revision)
    location = HubLocation(cache_dir=tmp_path / "hub", offline=True, label="a cache")
    found = resolve(
        "org/data",
        location=location,
        revision=None,
        patterns=["cfg/train-*.parquet"],
        required=[["cfg/train-*.parquet"]],
        repo_type="dataset",
    )
    assert found.revision == revision
    with pytest.raises(ArtifactMissing, match="has no file matching cfg/validation-\\*.parquet.*--repo-type dataset"):
        resolve(
            "org/data",
            location=location,
            revision=None,
            patterns=["cfg/validation-*.parquet"],
            required=[["cfg/validation-*.parquet"]],
            repo_type="dataset",
        )
