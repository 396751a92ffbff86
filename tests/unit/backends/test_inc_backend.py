"""The inc backend: both checkpoint formats, pinned-hash unpickling, parity with FP32, size."""

from __future__ import annotations

import shutil
import sys

import numpy as np
import pytest

pytest.importorskip("neural_compressor", reason="needs the Intel Neural Compressor environment: tox -e inc")

from harness.backends.base import ModelRequest, PickleRefused  # noqa: E402
from harness.backends.inc import load, loadable_folder, sha256  # noqa: E402
from harness.replica.tiny import snapshot_folder

INT8 = "Intel/distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc"
FP32 = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"


def snapshot(replica_root, repo, ref="main"):
    return snapshot_folder(replica_root, repo, ref=ref)


@pytest.fixture
def int8_2022(replica_root, tmp_path):
    """A private copy of the 2022-format stand-in (links resolved), as a download would be."""
    target = tmp_path / "int8"
    shutil.copytree(snapshot(replica_root, INT8), target)
    return target


def request(folder, tmp_path, **kwargs):
    return ModelRequest(folder=folder, task="text-classification", file="pytorch_model.bin",
                        work_dir=tmp_path / "work", **kwargs)  # fmt: skip


def test_an_unpinned_2022_checkpoint_is_refused_with_the_way_out(int8_2022, tmp_path):
    with pytest.raises(PickleRefused) as caught:
        loadable_folder(int8_2022 / "pytorch_model.bin", request(int8_2022, tmp_path))
    message = str(caught.value)
    assert sha256(int8_2022 / "pytorch_model.bin") in message
    assert "neural_compressor.conf.dotdict.DotDict" in message  # the global the real 2022 files name
    assert "--harness-allow-pickle" in message and "neither pinned by the lock nor a file this harness built" in message
    assert not (tmp_path / "work").exists()


def test_a_pinned_2022_checkpoint_is_converted_once(int8_2022, tmp_path):
    digest = sha256(int8_2022 / "pytorch_model.bin")
    folder, form = loadable_folder(
        int8_2022 / "pytorch_model.bin", request(int8_2022, tmp_path, trusted_sha256=frozenset({digest}))
    )
    assert form == "Intel 2022 format, converted" and folder.name == digest
    # it unpickled through INC's alias of the 2022 module, as the real file does
    assert sys.modules["neural_compressor.conf.dotdict"].__name__ == "neural_compressor.utils.utility"
    written = (folder / "pytorch_model.bin").stat().st_mtime_ns
    again, _ = loadable_folder(
        int8_2022 / "pytorch_model.bin", request(int8_2022, tmp_path, trusted_sha256=frozenset({digest}))
    )
    assert again == folder and (folder / "pytorch_model.bin").stat().st_mtime_ns == written


def test_allow_pickle_vouches_for_an_unpinned_file(int8_2022, tmp_path):
    _, form = loadable_folder(int8_2022 / "pytorch_model.bin", request(int8_2022, tmp_path, allow_pickle=True))
    assert form == "Intel 2022 format, converted"


def test_training_args_are_never_unpickled(int8_2022, tmp_path):
    shutil.copy2(int8_2022 / "pytorch_model.bin", int8_2022 / "training_args.bin")
    with pytest.raises(PickleRefused, match="training_args.bin pickles training-script classes"):
        loadable_folder(int8_2022 / "training_args.bin", request(int8_2022, tmp_path, allow_pickle=True))


@pytest.fixture(scope="module")
def sst2(replica_root):
    import pyarrow.parquet as pq

    (path,) = snapshot_folder(replica_root, "nyu-mll/glue", repo_type="dataset").glob("sst2/validation-*.parquet")
    return pq.read_table(path).to_pydict()


def predictions(predictor, folder, sentences):
    from transformers import AutoTokenizer

    from harness.engine.batching import Encoded, run

    encoded = AutoTokenizer.from_pretrained(folder)(sentences, truncation=True, max_length=128)
    features = Encoded.from_lists(encoded["input_ids"], pad_id=0)
    return run(predictor, features).logits


def test_both_formats_give_the_same_logits(replica_root, sst2, tmp_path):
    trusted = frozenset({sha256(snapshot(replica_root, INT8) / "pytorch_model.bin")})
    old = load(request(snapshot(replica_root, INT8), tmp_path, trusted_sha256=trusted))
    new = load(request(snapshot(replica_root, INT8, "inc-current-format"), tmp_path))
    assert "2022" in old.description and "current" in new.description
    sentences = sst2["sentence"][:200]
    np.testing.assert_array_equal(
        predictions(old, snapshot(replica_root, INT8), sentences),
        predictions(new, snapshot(replica_root, INT8), sentences),
    )


def test_int8_stays_within_a_point_of_its_fp32_source(replica_root, sst2, tmp_path, record_property):
    from harness.backends.torch import load as load_fp32

    fp32 = load_fp32(ModelRequest(folder=snapshot(replica_root, FP32), task="text-classification", file=None,
                                  work_dir=tmp_path))  # fmt: skip
    int8 = load(request(snapshot(replica_root, INT8, "inc-current-format"), tmp_path))
    labels = np.array(sst2["label"])
    fp32_predicted = predictions(fp32, snapshot(replica_root, FP32), sst2["sentence"]).argmax(axis=1)
    int8_predicted = predictions(int8, snapshot(replica_root, INT8), sst2["sentence"]).argmax(axis=1)
    fp32_accuracy, int8_accuracy = (fp32_predicted == labels).mean(), (int8_predicted == labels).mean()
    agreement = (fp32_predicted == int8_predicted).mean()
    figures = f"FP32 accuracy {fp32_accuracy:.4f}, INT8 {int8_accuracy:.4f}, agreement {agreement:.2%}"
    record_property("inc_parity", figures)
    print(figures)
    assert abs(int8_accuracy - fp32_accuracy) <= 0.01, figures
    assert agreement >= 0.97, figures


@pytest.mark.parametrize("ref", ["main", "inc-current-format"], ids=["2022-format", "current-format"])
def test_static_int8_at_true_size_measures_the_cards_65_mib(true_size_replica, ref):
    # INC's static recipe on a DistilBERT-base with random weights: the card's size is a property of
    # the recipe and the architecture, so the stand-in reproduces it (on disk, not from harness code).
    # `main` holds the 2022 format, the file the size claim reads.
    checkpoint = snapshot(true_size_replica, INT8, ref) / "pytorch_model.bin"
    assert checkpoint.stat().st_size / 2**20 == pytest.approx(65, abs=1)
