"""Repository-level test wiring: pytester, and a replica hub shared by the harness's own tests."""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

# The suite never reads or writes the user's harness cache or Hugging Face cache: it keeps its own
# beside the checkout (built once, reused by later runs of the suite), or where HARNESS_TEST_CACHE says.
# Set here, at import, so the plugin's options and every subprocess a test starts see it.
_TEST_CACHE = Path(os.environ.get("HARNESS_TEST_CACHE") or Path(__file__).parent / ".harness-test-cache").resolve()
os.environ["HARNESS_CACHE"] = str(_TEST_CACHE / "harness")
os.environ["HF_HOME"] = str(_TEST_CACHE / "huggingface")

# pytester drops the modules a test imported when it ends; importing onnx again in the same process
# then registers its protobuf descriptors twice, which aborts the interpreter. Tests that break a
# replica's ONNX file import it in process, so it is imported once, up front, where it is installed.
if importlib.util.find_spec("onnx") is not None:
    importlib.import_module("onnx")


@pytest.fixture(scope="session")
def replica_root(pytestconfig: pytest.Config) -> Path:
    """The healthy replica hub (built once per version of the cards and builder, then reused)."""
    from harness.replica.ensure import ensure_replica

    return ensure_replica(pytestconfig.stash[_session_key()].cache_dir)


@pytest.fixture(scope="session")
def true_size_replica(pytestconfig: pytest.Config) -> Path:
    """The true-size replica hub: the cards' dimensions, random weights (sizes and speed only)."""
    from harness.replica.ensure import ensure_replica

    return ensure_replica(pytestconfig.stash[_session_key()].cache_dir, size="true")


@pytest.fixture
def fake_hub(replica_root: Path):
    """A local stand-in for the Hub on 127.0.0.1, serving the healthy replica's repos (changeable per test)."""
    from harness.testing.fake_hub import FakeHub

    with FakeHub.from_cache(replica_root / "hub") as hub:
        yield hub


@pytest.fixture
def replica_context(tmp_path: Path):
    """``replica_context(root, **knobs)``: the evaluation context of the replica at ``root``, with a
    private cache folder; ``knobs`` set the context's other fields."""
    from harness.evaluation.context import Settings

    def context(root: Path, **knobs):
        return Settings.for_hub(str(root), cache_dir=tmp_path, **knobs)

    return context


@pytest.fixture
def replica_copy(replica_root: Path, tmp_path: Path) -> Path:
    """A private copy of the replica that a test may break."""
    target = tmp_path / "replica"
    shutil.copytree(replica_root, target, symlinks=True)
    return target


def _session_key():
    from harness.plugin import SESSION

    return SESSION


# A conftest for a pytester run that changes how the torch backend computes, for what weights alone
# cannot break (speed, determinism, padding, crashes). ``body`` is the new forward: it may call
# ``original(self, batch)``; lines after the first are indented by eight spaces.
_PATCHED_TORCH_BACKEND = """
import time

import numpy as np
import pytest

from harness.backends import torch as torch_backend


@pytest.fixture(autouse=True)
def patched_torch_backend(monkeypatch):
    original = torch_backend.TorchPredictor.logits

    def logits(self, batch):
        {body}

    monkeypatch.setattr(torch_backend.TorchPredictor, "logits", logits)
"""


@pytest.fixture
def patch_torch_backend(pytester: pytest.Pytester):
    """Write a conftest into the pytester folder whose torch backend runs ``body`` as its forward."""

    def patch(body: str) -> None:
        pytester.makeconftest(_PATCHED_TORCH_BACKEND.format(body=body))

    return patch
