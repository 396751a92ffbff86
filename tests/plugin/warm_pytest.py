"""Run pytest sessions in processes forked from one that has already imported the heavy libraries.

A gate run in a fresh interpreter spends about 7 s importing torch, transformers, datasets and ONNX
Runtime before its first test; the plugin tests start some fifty of them. This module is both sides of
a small fork server: run as a script, it imports those libraries once and then, per request read from
its standard input, forks a child that runs ``pytest.main`` in the request's folder and environment.
Each session still gets a process of its own (torch and ONNX Runtime do not reliably survive many
sessions in one process), but one whose imports are already done, and which has run nothing else.

The child starts from the server's imports, so a request whose environment changes what those
libraries read when imported (``HF_*``, ``TRANSFORMERS_*``, thread settings, ...) cannot be served:
``WarmPytest.can_run`` says so and the caller starts a plain subprocess instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback
from collections.abc import Mapping
from pathlib import Path

PRELOAD = (
    "torch", "datasets", "scipy.stats", "transformers", "transformers.pipelines", "optimum.onnxruntime",
    "pytest", "harness.plugin",
)  # fmt: skip
# Variables these libraries read once, when imported: a request that sets them otherwise needs a fresh
# interpreter. HOME is not one of them as long as HF_HOME is set (the server sets it when it is not).
IMPORT_TIME_PREFIXES = (
    "HF_", "HUGGINGFACE", "TRANSFORMERS_", "TORCH", "PYTORCH_", "OMP_", "MKL_", "TOKENIZERS_", "CUDA_",
    "ORT_", "XDG_", "PYTHON",
)  # fmt: skip
UNCOMPARED = {"PYTHONPATH"}  # the server puts the request's folder on sys.path itself


def _imported_at_start(environ: Mapping[str, str]) -> dict[str, str]:
    return {
        key: value
        for key, value in environ.items()
        if key.startswith(IMPORT_TIME_PREFIXES) and key not in UNCOMPARED
    }


class WarmPytest:
    """The client: starts the server once, then runs one pytest session per ``run`` call."""

    def __init__(self, hf_home: Path) -> None:
        self._base = dict(os.environ)
        self._extra = {} if "HF_HOME" in self._base else {"HF_HOME": str(hf_home)}
        self._server = subprocess.Popen(
            [sys.executable, __file__],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**self._base, **self._extra}, text=True,
        )  # fmt: skip
        self._read()  # {"ready": true} once the imports are done

    def can_run(self, environ: Mapping[str, str]) -> bool:
        return _imported_at_start(environ) == _imported_at_start(self._base)

    def run(self, args: list[str], cwd: Path, stdout: Path, stderr: Path) -> int:
        request = {
            "args": args, "cwd": str(cwd), "stdout": str(stdout), "stderr": str(stderr),
            "env": {**os.environ, **self._extra},
        }  # fmt: skip
        assert self._server.stdin is not None
        self._server.stdin.write(json.dumps(request) + "\n")
        self._server.stdin.flush()
        self._read()  # {"pid": ...}
        return int(self._read()["status"])

    def close(self) -> None:
        if self._server.stdin is not None:
            self._server.stdin.close()
        self._server.wait(timeout=30)

    def _read(self) -> dict:
        assert self._server.stdout is not None
        line = self._server.stdout.readline()
        if not line:
            raise RuntimeError(f"the warm pytest server ended (exit status {self._server.wait()})")
        return json.loads(line)


def _serve() -> None:
    import importlib

    # Run as a script, this folder is first on sys.path; the sessions must not import from it.
    here = Path(__file__).resolve().parent
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != here]
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:  # not in this environment (tox -e inc has no onnxruntime)
            pass
    replies = os.fdopen(os.dup(1), "w")
    _reply(replies, ready=True)
    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _run_in_child(request)
        _reply(replies, pid=pid)
        _, status = os.waitpid(pid, 0)
        _reply(replies, status=os.waitstatus_to_exitcode(status))


def _reply(stream, **fields) -> None:
    stream.write(json.dumps(fields) + "\n")
    stream.flush()


def _run_in_child(request: dict) -> None:
    code = 3
    try:
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(os.open(request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)
        os.dup2(os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
        sys.stdin = open(0, closefd=False)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.path.insert(0, request["cwd"])  # as `python -m pytest` run there would have it
        sys.argv = ["pytest", *request["args"]]
        import pytest

        code = int(pytest.main(request["args"]))
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:  # noqa: BLE001 - whatever happened, the parent must get a status back
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    _serve()
