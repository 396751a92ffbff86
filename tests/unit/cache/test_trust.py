"""Trust for a full unpickle comes from the lock, from a replica this harness built (recorded in its
own cache folder), or from --harness-allow-pickle: never from a hub folder's own manifest."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from harness.backends.base import PickleRefused
from harness.cache import trust
from harness.cache.layout import default_cache_dir
from harness.claims.cards import load_registry
from harness.evaluation.context import Settings
from harness.evaluation.opening import resolve_model, vet_model
from harness.hub.lock import sha256_of
from harness.replica.tiny import snapshot_folder

INT8 = "Intel/distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc"


class Planted:
    """Unpickling this creates a file: proof that a load ran code."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_the_replica_this_harness_built_is_recorded_outside_it(replica_root):
    built = trust.built(default_cache_dir())
    manifest = json.loads((replica_root / "harness-replica.json").read_text())
    written = {digest for files in manifest["about"]["sha256"].values() for digest in files.values()}
    assert written and written <= built
    assert not (default_cache_dir() / trust.RECORD).is_relative_to(replica_root)


def test_a_pickle_that_a_hub_folders_manifest_lists_is_still_refused(replica_copy, tmp_path):
    marker = tmp_path / "written-by-the-pickle"
    checkpoint = snapshot_folder(replica_copy, INT8) / "pytorch_model.bin"
    checkpoint.unlink(missing_ok=True)
    torch.save({"best_configure": Planted(marker)}, checkpoint)
    manifest_path = replica_copy / "harness-replica.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["about"]["sha256"].setdefault(f"models/{INT8}@main", {})["pytorch_model.bin"] = sha256_of(checkpoint)
    manifest_path.write_text(json.dumps(manifest))  # the folder vouches for its own pickle

    cache = default_cache_dir()
    settings = Settings.for_hub(str(replica_copy), cache_dir=cache, work_dir=tmp_path / "work")
    claim = load_registry().by_id("sst2-int8-pytorch-accuracy")
    model = resolve_model(claim, settings.location)
    with pytest.raises(PickleRefused, match="neither pinned by the lock nor a file this harness built"):
        vet_model(claim, "inc", model, settings)
    assert not marker.exists()
    vet_model(claim, "inc", model, replace(settings, allow_pickle=True))  # the user may vouch for it
    assert not marker.exists()  # vetting reads the pickle's opcodes, never runs them
