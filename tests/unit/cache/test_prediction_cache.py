"""The prediction cache: a second run reuses per-example results; a changed model, revision or
dataset computes them again; an entry that was tampered with or truncated is refused and redone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from harness.cache.predictions import PredictionCache
from harness.cache.store import CorruptEntry, file_identity
from harness.checks import check
from harness.claims.cards import load_registry
from harness.evaluation.context import Settings

CLAIM = "mnli-matched-accuracy"
MNLI = "typeform/distilbert-base-uncased-mnli"
FROM_CACHE = "per-example results from the prediction cache"


def entry(cache: PredictionCache, key: str = "ab" * 32):
    cache.put(key, scores=np.array([1.0, 0.0, 1.0]), predictions=["a", "b", "a"], notes=("n",), seconds=0.5,
              features=3)  # fmt: skip
    return cache.path(key), key


def test_an_entry_reads_back_as_written(tmp_path):
    cache = PredictionCache(tmp_path)
    path, key = entry(cache)
    found = cache.get(key, examples=3)
    assert found.scores.tolist() == [1.0, 0.0, 1.0] and found.predictions == ["a", "b", "a"]
    assert cache.get("cd" * 32, examples=3) is None
    assert cache.clear() == 1 and not path.exists()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda text: text.replace("[1.0, 0.0, 1.0]", "[1.0, 1.0, 1.0]"), "does not match its checksum"),
        (lambda text: text[: len(text) // 2], "is not a readable cache entry"),
        (lambda text: "", "is not a readable cache entry"),
    ],
    ids=["tampered", "truncated", "empty"],
)
def test_a_damaged_entry_is_refused(tmp_path, damage, message):
    cache = PredictionCache(tmp_path)
    path, key = entry(cache)
    path.write_text(damage(path.read_text()))
    with pytest.raises(CorruptEntry, match=message):
        cache.get(key, examples=3)


def test_an_entry_for_other_examples_is_refused(tmp_path):
    cache = PredictionCache(tmp_path)
    _, key = entry(cache)
    with pytest.raises(CorruptEntry, match="another evaluation"):
        cache.get(key, examples=4)


def test_a_file_is_known_by_its_bytes_even_behind_a_blob_link(tmp_path):
    (tmp_path / "blobs").mkdir()
    (tmp_path / "blobs" / "0123abcd").write_bytes(b"weights")
    (tmp_path / "model.bin").symlink_to(tmp_path / "blobs" / "0123abcd")
    (tmp_path / "plain.bin").write_bytes(b"weights")
    # sha256(b"weights"), as `printf weights | sha256sum` prints it
    weights = "sha256:9a129038d9a00aed0cf6a7ea059ca50a813449061ab87848cf1a13eafdf33b2c"
    assert file_identity(tmp_path / "model.bin") == file_identity(tmp_path / "plain.bin") == weights
    (tmp_path / "blobs" / "0123abcd").write_bytes(b"weight5")  # edited in place: the blob keeps its name
    assert file_identity(tmp_path / "model.bin") != weights


@pytest.fixture
def settings(replica_copy, replica_context, tmp_path):
    def make(cache: bool = True) -> Settings:
        predictions = PredictionCache(tmp_path / "predictions") if cache else None
        return replica_context(replica_copy, limit=150, cache=predictions)

    return make


def test_a_second_run_reuses_the_first_runs_predictions(settings):
    claim = load_registry().by_id(CLAIM)
    first = check(claim, "torch", settings())
    second = check(claim, "torch", settings())
    assert not any(FROM_CACHE in note for note in first.notes)
    assert any(FROM_CACHE in note for note in second.notes)
    assert (second.measured, second.status, second.interval) == (first.measured, first.status, first.interval)
    assert not any(FROM_CACHE in note for note in check(claim, "torch", settings(cache=False)).notes)


def test_a_new_revision_is_evaluated_again(settings, replica_copy):
    claim = load_registry().by_id(CLAIM)
    check(claim, "torch", settings())
    storage = replica_copy / "hub" / ("models--" + MNLI.replace("/", "--"))
    (old,) = (storage / "snapshots").iterdir()
    shutil.copytree(old, storage / "snapshots" / ("f" * 40), symlinks=True)
    (storage / "refs" / "main").write_text("f" * 40)
    again = check(claim, "torch", settings())
    assert again.model_revision == "f" * 40
    assert not any(FROM_CACHE in note for note in again.notes)


def test_a_corrupted_entry_is_recomputed_and_replaced(settings, tmp_path):
    claim = load_registry().by_id(CLAIM)
    first = check(claim, "torch", settings())
    (path,) = (tmp_path / "predictions").glob("*/*.json")
    document = json.loads(path.read_text())
    document["payload"]["scores"] = [1.0] * len(document["payload"]["scores"])  # every example right
    path.write_text(json.dumps(document))
    redone = check(claim, "torch", settings())
    assert redone.measured == first.measured  # not the forged 1.0
    assert any("prediction cache entry refused and recomputed" in note for note in redone.notes)
    assert any(FROM_CACHE in note for note in check(claim, "torch", settings()).notes)  # the entry is sound again


def test_a_config_edited_in_place_in_its_blob_is_evaluated_again(settings, replica_copy):
    """A relabelled config.json whose blob keeps its name must not reuse the old predictions."""
    claim = load_registry().by_id(CLAIM)
    assert check(claim, "torch", settings()).passed
    storage = replica_copy / "hub" / ("models--" + MNLI.replace("/", "--"))
    (config,) = (storage / "snapshots").glob("*/config.json")
    blob = config.resolve()
    document = json.loads(blob.read_text())
    names = [document["id2label"][str(i)] for i in range(len(document["id2label"]))][::-1]
    document["id2label"] = {str(i): name for i, name in enumerate(names)}
    document["label2id"] = {name: i for i, name in enumerate(names)}
    blob.write_text(json.dumps(document))  # in place: same blob name, other bytes
    again = check(claim, "torch", settings())
    assert not any(FROM_CACHE in note for note in again.notes)
    assert again.failed  # the swapped label order is seen, not served from the cache


def test_another_library_version_is_evaluated_again(settings, monkeypatch):
    from harness.cache import store as cache_files

    claim = load_registry().by_id(CLAIM)
    check(claim, "torch", settings())
    upgraded = {**cache_files.library_versions(), "transformers": "99.0.0"}
    monkeypatch.setattr(cache_files, "library_versions", lambda: upgraded)
    again = check(claim, "torch", settings())
    assert not any(FROM_CACHE in note for note in again.notes)
    assert any(FROM_CACHE in note for note in check(claim, "torch", settings()).notes)  # then reused


def test_the_code_identity_covers_every_module_that_decides_a_result(tmp_path, monkeypatch):
    import harness
    from harness.cache import store

    assert store.source_root() == Path(harness.__file__).parent  # the whole package, not the cache's folder
    copy = tmp_path / "harness"
    shutil.copytree(store.source_root(), copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(store, "source_root", lambda: copy)
    store.code_identity.cache_clear()
    before = store.code_identity()
    (copy / "tasks" / "tokens.py").write_text((copy / "tasks" / "tokens.py").read_text() + "\n# edited\n")
    store.code_identity.cache_clear()
    try:
        assert store.code_identity() != before  # an edited task never reuses cached predictions
    finally:
        store.code_identity.cache_clear()
