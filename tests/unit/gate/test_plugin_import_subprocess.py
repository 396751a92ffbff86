"""`pip install harness` without extras must not break pytest: the plugin (loaded by every pytest run
on the machine, through its entry point) and the CLI import neither numpy, torch nor onnxruntime."""

from __future__ import annotations

import subprocess
import sys

import pytest

BLOCKED = ("numpy", "torch", "onnxruntime")

# Runs in a fresh interpreter: a finder first on sys.meta_path refuses the blocked packages, as if
# they were not installed, and the module is imported with that in place.
PROBE = """
import importlib.abc, sys
BLOCKED = {blocked!r}
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked: not installed)", name=name)
        return None
sys.meta_path.insert(0, Absent())
import {module}
loaded = sorted(name for name in sys.modules if name.split(".")[0] in BLOCKED)
assert not loaded, loaded
"""


@pytest.mark.parametrize("module", ["harness.plugin", "harness.cli"])
def test_imports_without_numpy_torch_or_onnxruntime(module):
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(blocked=BLOCKED, module=module)], capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, f"`import {module}` needs one of {BLOCKED}:\n{done.stderr[-3000:]}"


def test_the_probe_catches_a_blocked_import():
    done = subprocess.run([sys.executable, "-c", PROBE.format(blocked=BLOCKED, module="numpy")],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode != 0 and "blocked: not installed" in done.stderr
