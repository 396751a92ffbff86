"""What the harness loads can run no code it was not told to trust."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[3] / "harness"
# The one full unpickle: a 2022 INC checkpoint whose sha256 the lock (or the replica) pins, or that the
# user vouched for with --harness-allow-pickle (backends/inc.py checks before calling it). replica/defects.py
# breaks the replica's own files on purpose.
FULL_UNPICKLES_ALLOWED = {("backends/inc.py", "_convert"), ("replica/defects.py", "_shuffle_torch")}


def calls(name: str):
    """(file, enclosing function, call) for every call of ``name`` (an attribute or a plain name)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]:
            for node in ast.walk(function):
                if isinstance(node, ast.Call):
                    called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                    if called == name:
                        yield path.relative_to(PACKAGE).as_posix(), function.name, node


def keyword(call: ast.Call, name: str):
    found = next((k.value for k in call.keywords if k.arg == name), None)
    return found.value if isinstance(found, ast.Constant) else found


def test_remote_code_is_never_trusted():
    for file, function, call in calls("from_pretrained"):
        assert keyword(call, "trust_remote_code") in (None, False), f"{file}:{function} trusts remote code"
    source = "\n".join(p.read_text() for p in PACKAGE.rglob("*.py"))
    assert "trust_remote_code=True" not in source


def test_torch_load_reads_weights_only_except_the_pinned_inc_conversion():
    found = list(calls("load"))
    torch_loads = [(f, fn, c) for f, fn, c in found if isinstance(c.func, ast.Attribute)
                   and getattr(c.func.value, "id", "") == "torch"]  # fmt: skip
    assert torch_loads, "the scan finds torch.load calls"
    for file, function, call in torch_loads:
        weights_only = keyword(call, "weights_only")
        if (file, function) in FULL_UNPICKLES_ALLOWED:
            continue
        assert weights_only is True, f"{file}:{function} calls torch.load without weights_only=True"
