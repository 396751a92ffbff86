"""The online path against a local fake of the Hub: fetch, lock, and loading what the lock pins."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from harness.claims.cards import load_registry
from harness.claims.vocabulary import MODEL_SUPPORT_PATTERNS
from harness.hub.fetch import fetch, pin
from harness.hub.lock import Lock, LockMismatch, NotLocked
from harness.hub.needs import Artifact, FilesMissing, artifacts
from harness.hub.resolve import ArtifactMissing, HubLocation, resolve

SST2_FP32 = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
SST2_INT8 = "Intel/distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc"
MODEL_PATTERNS = [*MODEL_SUPPORT_PATTERNS, "model.safetensors", "pytorch_model.bin"]


@pytest.fixture
def online(fake_hub, tmp_path, monkeypatch) -> HubLocation:
    """An empty Hub cache that downloads from the fake Hub (HF_HUB_OFFLINE may be set around the tests)."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    return HubLocation(cache_dir=tmp_path / "hub", offline=False, label="a test cache", endpoint=fake_hub.endpoint,
                       lock_path=tmp_path / "harness.lock", views=tmp_path / "views")  # fmt: skip


def model(repo: str = SST2_FP32, weights: tuple[str, ...] = ("model.safetensors", "pytorch_model.bin")) -> Artifact:
    return Artifact(repo=repo, repo_type="model", revision=None, optional=MODEL_SUPPORT_PATTERNS,
                    choices=(("config.json",), weights), claims=("a-claim",))  # fmt: skip


def served(fake_hub, repo: str, name: str) -> bytes:
    found = fake_hub.repo(repo)
    return found.commits[found.refs["main"]][name]


def snapshot(location: HubLocation, repo: str):
    """The one snapshot folder the test cache holds for ``repo``."""
    (folder,) = (location.cache_dir / f"models--{repo.replace('/', '--')}" / "snapshots").iterdir()
    return folder


def blob(location: HubLocation, repo: str, name: str):
    return (snapshot(location, repo) / name).resolve()


def test_fetch_downloads_only_the_files_the_claims_read(fake_hub, online):
    weights = served(fake_hub, SST2_FP32, "model.safetensors")
    fake_hub.commit(SST2_FP32, {"pytorch_model.bin": b"a pickle", "training_args.bin": b"a pickle", "README.md": b"#"})

    done = fetch(model(), online)

    # The safetensors file wins over the pickle; nothing the claims do not read comes down.
    assert "model.safetensors" in done.files and "pytorch_model.bin" not in done.files
    on_disk = sorted(p.name for p in done.path.iterdir())
    assert on_disk == sorted(done.files)
    assert not {"training_args.bin", "README.md"} & set(on_disk)
    assert (done.path / "model.safetensors").read_bytes() == weights
    assert done.commit == fake_hub.repo(SST2_FP32).refs["main"]
    assert done.moved_to is None


def test_the_registry_asks_for_each_repo_once_with_every_file_its_claims_read():
    found = {a.repo: a for a in artifacts(load_registry().select())}
    int8 = found[SST2_INT8]
    # The INC claim reads the pickle, the ONNX claim the .onnx export; both come from one repo.
    assert ("pytorch_model.bin",) in int8.choices and ("model.onnx",) in int8.choices
    assert ("model.safetensors", "pytorch_model.bin") in found[SST2_FP32].choices
    assert found["nyu-mll/glue"].repo_type == "dataset"
    assert {("sst2/validation-*.parquet",), ("mnli/validation_matched-*.parquet",)} <= set(
        found["nyu-mll/glue"].choices
    )


def test_lock_pins_the_commit_and_the_sha256_of_every_file(fake_hub, online):
    fetch(model(), online)
    pinned = pin(model(), online)

    main = fake_hub.repo(SST2_FP32).refs["main"]
    assert pinned.commit == main
    served = fake_hub.repo(SST2_FP32).commits[main]
    # what loading reads, at the root: config, tokenizer files, one weight file (safetensors first)
    expected = {n: hashlib.sha256(served[n]).hexdigest() for n in ("config.json", "tokenizer_config.json",
                                                                    "vocab.txt", "model.safetensors")}  # fmt: skip
    assert dict(pinned.files) == expected
    Lock.of(online.lock_path, [pinned]).write()
    assert Lock.read(online.lock_path).find(SST2_FP32, "model") == pinned


def test_a_corrupted_download_is_never_pinned(fake_hub, online):
    fetch(model(), online)
    target = blob(online, SST2_FP32, "config.json")
    target.write_bytes(target.read_bytes().replace(b"}", b', "hidden_act": "relu"}'))

    with pytest.raises(LockMismatch, match="config.json has git blob id .* but the Hub records"):
        pin(model(), online)


def locked(fake_hub, online) -> HubLocation:
    fetch(model(), online)
    lock = Lock.of(online.lock_path, [pin(model(), online)])
    lock.write()
    return replace(online, lock=Lock.read(online.lock_path))


def test_a_changed_file_is_refused_naming_it_and_both_hashes(fake_hub, online):
    location = locked(fake_hub, online)
    target = blob(online, SST2_FP32, "model.safetensors")
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    target.write_bytes(target.read_bytes()[:-8] + b"\0" * 8)
    after = hashlib.sha256(target.read_bytes()).hexdigest()

    with pytest.raises(LockMismatch) as caught:
        resolve(SST2_FP32, location=location, revision=None, patterns=MODEL_PATTERNS)
    message = str(caught.value)
    assert f"model.safetensors has sha256 {after}, but {online.lock_path} pins {before}" in message
    assert "harness fetch" in message and "harness lock --update" in message


def test_loading_sees_only_the_pinned_files(fake_hub, online):
    location = locked(fake_hub, online)
    (snapshot(online, SST2_FP32) / "pytorch_model.bin").write_bytes(b"a file the lock does not pin")

    found = resolve(SST2_FP32, location=location, revision=None, patterns=MODEL_PATTERNS)

    pinned = location.lock.find(SST2_FP32, "model")
    assert found.revision == pinned.commit
    assert sorted(p.name for p in found.path.iterdir()) == sorted(pinned.files)  # no pytorch_model.bin


def test_a_file_that_disappears_between_runs_is_named_offline_and_fetched_again_online(fake_hub, online):
    location = locked(fake_hub, online)
    (snapshot(online, SST2_FP32) / "vocab.txt").unlink()

    with pytest.raises(ArtifactMissing, match="vocab.txt, pinned by .*harness.lock, is not in the cached snapshot"):
        resolve(SST2_FP32, location=replace(location, offline=True), revision=None, patterns=MODEL_PATTERNS)

    found = resolve(SST2_FP32, location=location, revision=None, patterns=MODEL_PATTERNS)
    assert (found.path / "vocab.txt").read_bytes() == served(fake_hub, SST2_FP32, "vocab.txt")


def test_a_file_deleted_on_the_hub_keeps_the_pinned_commit_and_is_named_on_update(fake_hub, online):
    location = locked(fake_hub, online)
    pinned = location.lock.find(SST2_FP32, "model")
    fake_hub.commit(SST2_FP32, {"model.safetensors": None, "pytorch_model.bin": None})

    again = fetch(model(), location, pinned=pinned)  # the lock's commit still has them
    assert again.commit == pinned.commit
    with pytest.raises(FilesMissing, match="has no file matching model.safetensors or pytorch_model.bin"):
        fetch(model(), online)  # the cards' revision (main) no longer does


def test_strict_mode_loads_nothing_the_lock_does_not_pin(fake_hub, online):
    location = replace(locked(fake_hub, online), strict=True)
    with pytest.raises(NotLocked, match=f"does not pin it \\(model {SST2_INT8}\\)"):
        resolve(SST2_INT8, location=location, revision=None, patterns=MODEL_PATTERNS)
    with pytest.raises(NotLocked, match="there is no lock at"):
        resolve(SST2_FP32, location=replace(location, lock=None), revision=None, patterns=MODEL_PATTERNS)


def test_a_renamed_repo_is_followed_and_the_move_reported(fake_hub, online):
    old = "Intel/distilbert-base-uncased-finetuned-sst-2-english-int8-static"
    fake_hub.redirect(old, to=SST2_INT8)

    done = fetch(model(old, weights=("model.onnx",)), online)

    assert done.moved_to == SST2_INT8
    assert (done.path / "model.onnx").read_bytes() == served(fake_hub, SST2_INT8, "model.onnx")


def test_an_interrupted_download_resumes_where_it_stopped(fake_hub, online, monkeypatch):
    from huggingface_hub import constants

    # huggingface_hub writes what it received in chunks of 10 MB; the stand-in's file is smaller.
    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 1 << 16)
    weights = served(fake_hub, SST2_FP32, "model.safetensors")
    cut = 3 * (1 << 16) + 100
    fake_hub.interrupt("model.safetensors", after=cut)

    with pytest.raises(ArtifactMissing, match="the download was interrupted .*resumes from the bytes already"):
        fetch(model(), online)
    done = fetch(model(), online)

    ranges = [s.range for s in fake_hub.seen if s.method == "GET" and s.path.endswith("/model.safetensors")]
    assert ranges == [None, f"bytes={3 * (1 << 16)}-"]  # the second asked only for what was not written
    assert (done.path / "model.safetensors").read_bytes() == weights


@pytest.mark.parametrize(
    ("repo", "change", "said"),
    [
        (
            "nobody/no-such-model",
            None,
            "model nobody/no-such-model at revision main is not available: no such repository",
        ),
        (SST2_FP32, "gate", f"model {SST2_FP32} at revision main is not available: the repository is gated"),
    ],
    ids=["missing", "gated"],
)
def test_a_missing_or_gated_repo_is_named(fake_hub, online, repo, change, said):
    if change == "gate":
        fake_hub.repo(repo).gated = True
    with pytest.raises(ArtifactMissing, match=said.replace("(", "\\(")):
        fetch(model(repo), online)


def test_git_blob_ids_are_what_git_computes():
    import subprocess

    from harness.hub.lock import git_blob_id

    for data in (b"", b"{}\n", bytes(range(256)) * 7):
        expected = subprocess.run(["git", "hash-object", "--stdin"], input=data, capture_output=True, check=True)
        assert git_blob_id(data) == expected.stdout.decode().strip()
