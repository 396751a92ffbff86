"""The replica's stand-ins hold what the real repositories hold (real_repos.yaml), and fetching takes
only what loading reads from them: never a decoy, never a sub-folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from harness.backends.base import unavailable_reason
from harness.data.splits import read_split
from harness.replica import mirror as replica_mirror
from harness.replica.tiny import snapshot_folder

MODELS = sorted(replica_mirror.facts()["models"])


def built_here(repo: str, name: str) -> bool:
    """Whether this environment builds that weight file (the INC checkpoint needs Intel Neural Compressor)."""
    return not (name == "pytorch_model.bin" and "int8" in repo and unavailable_reason("inc") is not None)


@pytest.mark.parametrize("repo", MODELS)
def test_each_stand_in_holds_the_real_repos_files(replica_root, repo):
    folder = snapshot_folder(replica_root, repo)
    held = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir())
    real = sorted(name for name in replica_mirror.model_facts(repo)["files"] if built_here(repo, name))
    assert held == real, (
        f"{repo}: the stand-in lacks {sorted(set(real) - set(held))} and holds {sorted(set(held) - set(real))} "
        "beyond the real repository's files (real_repos.yaml)"
    )
    for name, content in (replica_mirror.model_facts(repo).get("contents") or {}).items():
        assert (folder / name).read_text() == json.dumps(content), f"{repo}/{name} is not the real file's bytes"


@pytest.mark.parametrize("repo", MODELS)
def test_each_stand_in_config_has_the_real_keys_and_values(replica_root, repo):
    config = json.loads((snapshot_folder(replica_root, repo) / "config.json").read_text())
    real = replica_mirror.model_facts(repo)["config"]
    wrong = {
        key: (config.get(key, "<absent>"), value)
        for key, value in real.items()
        if key not in replica_mirror.DIMENSIONS and config.get(key, "<absent>") != value
    }
    assert not wrong, f"{repo}: config keys differ from the real config (stand-in, real): {wrong}"
    assert set(real) <= set(config), f"{repo}: the stand-in's config lacks {sorted(set(real) - set(config))}"


def test_clinc_names_its_151_intents_in_the_real_order(replica_root):
    folder = snapshot_folder(replica_root, "clinc/clinc_oos", repo_type="dataset")
    split = read_split(sorted(folder.glob("plus/*validation*.parquet")), inputs=["text"], label="intent")
    assert len(split.label_names) == 151
    assert split.label_names[42] == "oos" and split.label_names[150] == "change_volume"
    config = json.loads((snapshot_folder(replica_root, MODELS[0]) / "config.json").read_text())
    assert config["id2label"]["42"] == "oos"


def test_decoys_are_never_what_a_model_loads():
    for repo in MODELS:
        assert not set(replica_mirror.decoys(repo)) & set(replica_mirror.LOADED), repo
    assert "onnx/config.json" in replica_mirror.decoys("distilbert/distilbert-base-uncased-finetuned-sst-2-english")


def test_fetch_dry_run_in_a_subprocess_lists_what_loading_reads_and_no_decoy(fake_hub, tmp_path):
    env = {**os.environ, "HF_HOME": str(tmp_path / "hf"), "HF_ENDPOINT": fake_hub.endpoint, "HF_HUB_OFFLINE": "0"}
    done = subprocess.run([sys.executable, "-m", "harness.cli", "fetch", "--dry-run", "--backend", "torch",
                           "--backend", "onnx"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "dry run: nothing is downloaded" in done.stdout
    assert not (tmp_path / "hf").exists() or not any((tmp_path / "hf").rglob("*.safetensors"))
    listed = [line.split()[0] for line in done.stdout.splitlines() if line.startswith("    ")]
    decoys = {name for repo in MODELS for name in replica_mirror.decoys(repo)}
    assert listed and not set(listed) & decoys, f"decoys listed: {sorted(set(listed) & decoys)}"
    assert all("/" not in name or name.endswith(".parquet") for name in listed), listed
    fp32 = done.stdout.split("distilbert/distilbert-base-uncased-finetuned-sst-2-english@")[1].split("  model ")[0]
    assert "model.safetensors" in fp32 and "pytorch_model.bin" not in fp32  # one weight file: safetensors first
