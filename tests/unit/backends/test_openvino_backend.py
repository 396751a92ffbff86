"""The openvino backend: an export of the torch checkpoint, kept per content key, that predicts what torch
predicts, example by example (`harness eval` on the replica's stand-ins), and that stays on the CPU."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("optimum.intel.openvino", reason="the openvino extra: pip install 'harness[openvino]'")

from harness.backends.base import ModelRequest, load_predictor  # noqa: E402
from harness.backends.devices import DeviceMissing  # noqa: E402
from harness.cli import main  # noqa: E402
from harness.replica.tiny import snapshot_folder  # noqa: E402

SST2_FP32 = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
TINYBERT = "Intel/dynamic_tinybert"
TASKS = {
    "classification": [SST2_FP32, "nyu-mll/glue", "sst2", "text-classification", None],
    "question-answering": [TINYBERT, "rajpurkar/squad", "plain_text", "question-answering", "60"],
}


def evaluate(replica: Path, cache: Path, out: Path, backend: str, model, dataset, config, task, limit) -> list[dict]:
    args = ["eval", "--model", model, "--dataset", dataset, "--config", config, "--split", "validation", "--task", task,
            "--backend", backend, "--hub", str(replica), "--cache-dir", str(cache), "--threads", "1",
            "--predictions", str(out)] + (["--limit", limit] if limit else [])  # fmt: skip
    assert main(args) == 0
    return [json.loads(line) for line in out.read_text().splitlines()]


@pytest.mark.parametrize("task", TASKS, ids=list(TASKS))
def test_openvino_predicts_what_torch_predicts_on_every_example(replica_root, tmp_path, task, capsys):
    torch_rows = evaluate(replica_root, tmp_path, tmp_path / "torch.jsonl", "torch", *TASKS[task])
    openvino_rows = evaluate(replica_root, tmp_path, tmp_path / "openvino.jsonl", "openvino", *TASKS[task])
    assert len(openvino_rows) == len(torch_rows) >= 60
    assert [r["prediction"] for r in openvino_rows] == [r["prediction"] for r in torch_rows]
    assert "[openvino on cpu (" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("repo", "task", "texts"),
    [(SST2_FP32, "text-classification", (["a long sentence of several words", "short"],)),
     (TINYBERT, "question-answering", (["what is it", "who"], ["it is a long context of words", "nobody"]))],
    ids=["classification", "question-answering"],
)  # fmt: skip
def test_the_export_is_kept_per_content_key_and_its_logits_are_torchs(replica_root, tmp_path, repo, task, texts):
    from transformers import AutoTokenizer

    folder = snapshot_folder(replica_root, repo)
    request = ModelRequest(folder=folder, task=task, file=None, work_dir=tmp_path)
    openvino = load_predictor("openvino", request)
    exports = list((tmp_path / "openvino-exports").iterdir())
    assert len(exports) == 1 and openvino.description == "openvino fp32 (exported)"
    load_predictor("openvino", request)
    assert list((tmp_path / "openvino-exports").iterdir()) == exports  # reused, not exported again
    encoded = AutoTokenizer.from_pretrained(folder)(*texts, padding=True)
    batch = {name: np.array(encoded[name]) for name in openvino.input_names}
    torch, found = load_predictor("torch", request).logits(batch), openvino.logits(batch)
    # FP32, not the CPU plugin's bf16; and for QA, start and end logits in that order
    for mine, theirs in zip(found if isinstance(found, tuple) else (found,),
                            torch if isinstance(torch, tuple) else (torch,), strict=True):  # fmt: skip
        np.testing.assert_allclose(mine, theirs, atol=1e-5)


def test_openvino_is_refused_on_a_gpu(replica_root, tmp_path):
    request = ModelRequest(folder=snapshot_folder(replica_root, SST2_FP32), task="text-classification", file=None,
                           work_dir=tmp_path, device="cuda:0")  # fmt: skip
    with pytest.raises(DeviceMissing, match="the openvino backend runs on the CPU here"):
        load_predictor("openvino", request)
