"""The feature cache: a split is tokenized once and read back by every later backend or run; a
changed tokenizer file, text or setting tokenizes again; an entry that was tampered with or
truncated is refused and recomputed."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from harness.cache import features as feature_cache
from harness.cache.features import FeatureCache, features_key
from harness.cache.store import CorruptEntry
from harness.claims.cards import load_registry
from harness.engine.batching import Encoded
from harness.evaluation.evaluate import evaluate
from harness.evaluation.opening import open_model, open_split, resolve_model, sample
from harness.tasks import classification, qa

REFUSED = "feature cache entry refused and recomputed"


@pytest.fixture
def opened(replica_copy, replica_context):
    """``open(claim_id, limit)`` -> (claim, rows, tokenizer, predictor, max_length) on a copy of the replica."""
    settings = replica_context(replica_copy, expectations=None)

    def open_claim(claim_id: str, limit: int):
        claim = load_registry().by_id(claim_id)
        _, split = open_split(claim, settings)
        rows = split.take(sample(claim, split, limit=limit, seed=0))
        predictor, tokenizer, max_length = open_model(claim, "torch", resolve_model(claim, settings.location), settings)
        return claim, rows, tokenizer, predictor, max_length

    return open_claim


def counting(monkeypatch, module, name):
    calls = []
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


@pytest.mark.parametrize(("claim_id", "module", "function"), [
    ("mnli-matched-accuracy", classification, "encode"),
    ("dynamic-tinybert-squad-f1", qa, "features"),
])  # fmt: skip
def test_a_split_is_tokenized_once_and_read_back_the_same(opened, tmp_path, monkeypatch, claim_id, module, function):
    claim, rows, tokenizer, predictor, max_length = opened(claim_id, 120)
    cache = FeatureCache(tmp_path / "features")
    uncached = evaluate(claim, rows, tokenizer, predictor, max_length)
    calls = counting(monkeypatch, module, function)
    first = evaluate(claim, rows, tokenizer, predictor, max_length, features=cache)
    second = evaluate(claim, rows, tokenizer, predictor, max_length, features=cache)
    assert len(calls) == 1 and len(list(cache.root.glob("*/*.npz"))) == 1
    assert first.predictions == second.predictions == uncached.predictions
    np.testing.assert_array_equal(second.scores, uncached.scores)
    assert not second.warnings


def test_the_key_follows_the_tokenizer_files_the_texts_and_the_settings(opened, tmp_path):
    claim, rows, tokenizer, _, _ = opened("mnli-matched-accuracy", 50)
    columns = [rows.inputs[name] for name in claim.dataset.inputs]
    settings = {"max_length": 128}
    key = features_key(tokenizer, kind=claim.task, settings=settings, columns=columns)
    assert key == features_key(tokenizer, kind=claim.task, settings=dict(settings), columns=[list(c) for c in columns])
    assert key != features_key(tokenizer, kind=claim.task, settings={"max_length": 64}, columns=columns)
    assert key != features_key(tokenizer, kind=claim.task, settings=settings, columns=[columns[0], columns[0]])
    # the same texts split differently between the two columns are other texts
    moved = [[columns[0][0] + columns[1][0], *columns[0][1:]], ["", *columns[1][1:]]]
    assert key != features_key(tokenizer, kind=claim.task, settings=settings, columns=moved)

    from transformers import AutoTokenizer

    folder = tmp_path / "tokenizer"
    shutil.copytree(tokenizer.name_or_path, folder)
    copied = AutoTokenizer.from_pretrained(folder)
    copied_key = features_key(copied, kind=claim.task, settings=settings, columns=columns)
    config = json.loads((folder / "tokenizer_config.json").read_text())
    (folder / "tokenizer_config.json").write_text(json.dumps({**config, "do_lower_case": False}))
    assert features_key(copied, kind=claim.task, settings=settings, columns=columns) != copied_key


def test_a_tokenizer_not_read_from_a_folder_is_not_cached(opened, tmp_path):
    _, rows, tokenizer, _, _ = opened("mnli-matched-accuracy", 10)
    tokenizer.name_or_path = "built-in-memory"
    assert features_key(tokenizer, kind="x", settings={}, columns=[["a"]]) is None


def entry(tmp_path):
    cache = FeatureCache(tmp_path)
    encoded = Encoded.from_lists([[101, 7, 102], [101, 102]], [[0, 0, 0], [0, 1]], pad_id=0)
    path = cache.put("cd" * 32, encoded.to_arrays())
    return cache, "cd" * 32, path, encoded


def test_an_entry_reads_back_as_written(tmp_path):
    cache, key, _, encoded = entry(tmp_path)
    back = Encoded.from_arrays(cache.get(key))
    assert [back.row(i).tolist() for i in range(2)] == [[101, 7, 102], [101, 102]]
    assert back.types_of(1).tolist() == [0, 1] and back.pad_id == 0


@pytest.mark.parametrize("damage", ["truncated", "empty", "garbage", "tampered", "renamed"])
def test_a_damaged_entry_is_refused(tmp_path, damage):
    cache, key, path, encoded = entry(tmp_path)
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "garbage":
        path.write_bytes(b"not an archive at all")
    elif damage == "tampered":  # ids changed, the old checksum kept
        with np.load(path) as archive:
            arrays = {name: archive[name] for name in archive.files}
        arrays["ids"] = arrays["ids"].copy()
        arrays["ids"][1] = 999
        np.savez(path, **arrays)
    else:  # a sound entry under another key's name
        key = "ef" * 32
        cache.path(key).parent.mkdir()
        path.rename(cache.path(key))
    with pytest.raises(CorruptEntry, match=str(cache.root)):
        cache.get(key)


def test_a_refused_entry_is_recomputed_replaced_and_said_so(tmp_path):
    cache, key, path, encoded = entry(tmp_path)
    path.write_bytes(path.read_bytes()[:100])
    recomputed = Encoded.from_lists([[101, 5, 102]], pad_id=0)
    value, note = feature_cache.cached(cache, key, lambda: recomputed, to_arrays=Encoded.to_arrays,
                                       from_arrays=Encoded.from_arrays)  # fmt: skip
    assert value is recomputed and REFUSED in note and str(path) in note
    again, note = feature_cache.cached(cache, key, lambda: pytest.fail("recomputed twice"),
                                       to_arrays=Encoded.to_arrays, from_arrays=Encoded.from_arrays)  # fmt: skip
    assert again.row(0).tolist() == [101, 5, 102] and note is None


def test_arrays_that_do_not_describe_rows_are_refused(tmp_path):
    cache = FeatureCache(tmp_path)
    key = "aa" * 32
    cache.put(key, {"ids": np.arange(5, dtype=np.int32), "starts": np.array([0, 2, 9]), "pad_id": np.array(0)})
    value, note = feature_cache.cached(cache, key, lambda: "recomputed", to_arrays=lambda _: {"x": np.zeros(1)},
                                       from_arrays=Encoded.from_arrays)  # fmt: skip
    assert value == "recomputed" and "lacks what it should hold" in note


def test_qa_windows_read_back_exactly(opened, tmp_path):
    claim, rows, tokenizer, _, max_length = opened("dynamic-tinybert-squad-f1", 40)
    questions, contexts = (rows.inputs[name] for name in claim.dataset.inputs)
    found = qa.features(tokenizer, questions, contexts, max_length=max_length, settings=claim.qa)
    cache = FeatureCache(tmp_path)
    back = qa.Features.from_arrays(cache.get(str(cache.put("bb" * 32, found.to_arrays()).stem)))
    for name, array in found.to_arrays().items():
        np.testing.assert_array_equal(back.to_arrays()[name], array, err_msg=name)
