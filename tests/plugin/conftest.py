"""One way to run the harness's own suites through pytester, each run in a process of its own."""

from __future__ import annotations

import importlib
import itertools
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from warm_pytest import WarmPytest

# pytester drops the modules a test first imported when it ends (these tests break replicas in process,
# which imports torch, datasets and transformers' model classes); importing them again later then
# registers native extensions twice (torch libraries, pyarrow extension types) and fails. Imported here,
# once, before any of these tests runs, whichever tests ran before.
for _name in ("torch", "datasets", "scipy.stats", "transformers.pipelines", "optimum.onnxruntime"):
    try:
        importlib.import_module(_name)
    except ImportError:  # not in this environment (tox -e inc has no onnxruntime): nothing to protect
        pass

TESTS = Path(__file__).parents[1]
# The suite files a gate run copies into its pytester folder, by the name the tests use.
SUITES = {
    "accuracy": [TESTS / "accuracy" / "test_claims.py"],
    "sizes": [TESTS / "latency" / "test_size_and_speed_claims.py"],
    "benchmarks": [TESTS / "latency" / "test_benchmarks.py"],
    "contracts": sorted((TESTS / "contracts").glob("test_*.py")),
}


@pytest.fixture(scope="session")
def warm_pytest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WarmPytest]:
    server = WarmPytest(tmp_path_factory.mktemp("hf-home"))
    yield server
    server.close()


_RUNS = itertools.count()


def _run_forked(pytester: pytest.Pytester, server: WarmPytest, args: list[str]) -> pytest.RunResult:
    """What ``pytester.runpytest_subprocess`` does, in a child of the warm server."""
    args = [f"--basetemp={pytester.path / f'runpytest-{next(_RUNS)}'}", *args]
    stdout, stderr = pytester.path / "stdout", pytester.path / "stderr"
    print("running (forked from a warm interpreter): pytest", *args, "\n     in:", pytester.path)
    started = time.monotonic()
    status = server.run(args, pytester.path, stdout, stderr)
    out, err = stdout.read_text().splitlines(), stderr.read_text().splitlines()
    print("\n".join(out), "\n".join(err), sep="\n")
    return pytest.RunResult(status, out, err, time.monotonic() - started)


@pytest.fixture
def run_gate(pytester: pytest.Pytester, pytestconfig: pytest.Config, warm_pytest: WarmPytest):
    """``run_gate(*args, suites=..., hub=..., models=..., backends=..., shared_cache=True)``: copy the
    named suites (keys of SUITES, or suite files) into the pytester folder and run pytest on them in
    a process of its own (torch and onnxruntime do not reliably survive many sessions in one process):
    forked from a warm interpreter when the environment allows it, else a fresh subprocess.

    ``shared_cache`` points the run at this session's harness cache (its replicas, built once); a run
    that must start from nothing passes False and sets HARNESS_CACHE itself.
    """
    from harness.plugin import SESSION

    cache = pytestconfig.stash[SESSION].cache_dir

    def run(
        *args: str, suites: Iterable[str | Path] = (), hub: str | Path | None = None, models: Iterable[str] = (),
        backends: Iterable[str] = (), shared_cache: bool = True,
    ) -> pytest.RunResult:  # fmt: skip
        for suite in suites:
            for path in SUITES[suite] if isinstance(suite, str) else [suite]:
                pytester.makepyfile(**{path.stem: path.read_text()})
        options = ["-p", "no:cacheprovider"]
        options += [f"--harness-cache-dir={cache}"] if shared_cache else []
        options += ["--harness-hub", str(hub)] if hub is not None else []
        options += [arg for model in models for arg in ("--harness-model", model)]
        options += [arg for backend in backends for arg in ("--harness-backend", backend)]
        if warm_pytest.can_run(os.environ):
            return _run_forked(pytester, warm_pytest, [*options, *args])
        return pytester.runpytest_subprocess(*options, *args)

    return run
