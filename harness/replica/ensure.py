"""Build each replica once per version of the code that builds it, and find it again."""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import shutil
from pathlib import Path

from harness import __version__
from harness.cache import trust
from harness.replica.manifest import MANIFEST

# "tiny": trained stand-ins small enough to build in seconds, with accuracy references;
# "true": the cards' dimensions with random weights, for sizes and speed.
REPLICA_SIZES = ("tiny", "true")


PACKAGE = Path(__file__).resolve().parent.parent  # the harness package


@functools.cache
def builder_files() -> tuple[Path, ...]:
    """Every file the replica is built from: all of this package (code and data), the cards, and every
    harness module those import, found by following their imports, so that none can be forgotten."""
    here = Path(__file__).resolve().parent
    files = {path for path in here.rglob("*") if path.is_file() and path.suffix in (".py", ".yaml", ".md")}
    files |= set((PACKAGE / "cards").glob("*.yaml"))
    pending = [path for path in files if path.suffix == ".py"]
    while pending:
        for module in _harness_imports(pending.pop()):
            found = _module_file(module)
            if found is not None and found not in files:
                files.add(found)
                pending.append(found)
    return tuple(sorted(files))


def _harness_imports(path: Path) -> set[str]:
    """The harness modules ``path`` imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "harness":
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)  # `from harness.x import module`
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "harness")
    return found


def _module_file(module: str) -> Path | None:
    base = PACKAGE.joinpath(*module.split(".")[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def replica_root(cache_dir: Path, *, size: str = "tiny") -> Path:
    """One replica per size, per version of the cards and of the code that builds it, per environment.

    An environment builds the stand-ins its backends can make (INC ones only where Intel Neural
    Compressor is installed), so each environment keeps its own replica.
    """
    from harness.backends.base import LOADERS, unavailable_reason

    if size not in REPLICA_SIZES:
        raise ValueError(f"replica size {size!r} is not one of {', '.join(REPLICA_SIZES)}")
    buildable = ",".join(name for name in LOADERS if unavailable_reason(name) is None)
    digest = hashlib.sha256(f"{__version__}|{buildable}|{size}".encode())
    for path in builder_files():
        digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
    prefix = "replica" if size == "tiny" else "replica-true-size"
    return cache_dir / f"{prefix}-{digest.hexdigest()[:12]}"


def ensure_replica(cache_dir: Path, *, size: str = "tiny") -> Path:
    """Build the replica of ``size`` once (the true-size one from the tiny one); concurrent sessions
    wait for the one that builds."""
    root = replica_root(cache_dir, size=size)
    if (root / MANIFEST).exists():
        return root
    from filelock import FileLock

    from harness.claims.cards import load_registry
    from harness.replica import tiny as replica
    from harness.replica import true_size as replica_true_size

    tiny_root = ensure_replica(cache_dir) if size == "true" else None
    root.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root) + ".lock"):
        if (root / MANIFEST).exists():
            return root
        staging = root.with_name(root.name + ".building")
        shutil.rmtree(staging, ignore_errors=True)

        def progress(line: str) -> None:
            print(f"[harness replica{'' if size == 'tiny' else ' --size true'}] {line}", flush=True)

        if tiny_root is None:
            replica.build(staging, load_registry(), progress=progress)
        else:
            replica_true_size.build(staging, load_registry(), tiny_root=tiny_root, progress=progress)
        # Read back from the manifest this process has just written, before the folder is published.
        written = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))["about"]["sha256"]
        trust.record_built(cache_dir, (digest for files in written.values() for digest in files.values()))
        staging.rename(root)
    return root

