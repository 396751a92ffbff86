"""Turn a ``--harness-hub`` value into a Hub location, building the replica hub when asked."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from harness import __version__, trust
from harness.expected import MANIFEST, ReplicaExpectations
from harness.hub import HubLocation
from harness.lockfile import Lock

HUB_CHOICES = ("hub", "replica")
# "tiny": trained stand-ins small enough to build in seconds, with accuracy references;
# "true": the cards' dimensions with random weights, for sizes and speed.
REPLICA_SIZES = ("tiny", "true")


@dataclass(frozen=True, kw_only=True)
class Resolved:
    location: HubLocation
    expectations: ReplicaExpectations | None


def default_cache_dir() -> Path:
    return Path(os.environ.get("HARNESS_CACHE", Path.home() / ".cache" / "harness"))


def check_hub_value(value: str) -> str:
    """Validate a --harness-hub value early; the message names the value and the allowed forms."""
    if value in HUB_CHOICES or Path(value).is_dir():
        return value
    raise ValueError(
        f"{value!r} is neither 'hub', 'replica' nor an existing directory. Pass 'hub' (the Hub cache "
        "HF_HOME configures), 'replica' (build stand-ins offline) or an HF_HOME-style directory such as "
        "one written by `harness replica --out DIR`."
    )


def resolve_hub(
    value: str, *, cache_dir: Path, size: str = "tiny", lock: Lock | None = None, lock_path: Path | None = None,
    strict: bool = False,
) -> Resolved:  # fmt: skip
    """``size`` picks which replica 'replica' means; a directory or the Hub cache is what it is.

    The lock and strict mode's rule (load only pinned files) apply to the Hub, not to replicas,
    whose stand-ins have commits of their own.
    """
    if value == "hub":
        from huggingface_hub import constants

        return Resolved(
            location=HubLocation(
                cache_dir=None, offline=constants.HF_HUB_OFFLINE, label=f"Hub cache {constants.HF_HUB_CACHE}",
                lock=lock, lock_path=lock_path, strict=strict, views=cache_dir / "locked",
            ),
            expectations=None,
        )  # fmt: skip
    root = ensure_replica(cache_dir, size=size) if value == "replica" else Path(value).resolve()
    expectations = ReplicaExpectations.find(root)
    label = f"replica hub {root}" if expectations else f"Hub cache {root / 'hub'}"
    # A directory is a snapshot of a cache: never reach out to the network from it.
    return Resolved(location=HubLocation(cache_dir=root / "hub", offline=True, label=label), expectations=expectations)


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
    package = Path(__file__).parent
    builders = [
        "replica.py", "replica_text.py", "replica_classification.py", "replica_qa.py", "replica_inc.py",
        "replica_true_size.py", "replica_sparse.py", "replica_mirror.py", "real_repos.yaml", "sparsity.py",
        "training.py", "backends/onnx_export.py",
    ]  # fmt: skip
    for path in sorted([*(package / name for name in builders), *(package / "cards").glob("*.yaml")]):
        digest.update(path.read_bytes())
    prefix = "replica" if size == "tiny" else "replica-true-size"
    return cache_dir / f"{prefix}-{digest.hexdigest()[:12]}"


def ensure_replica(cache_dir: Path, *, size: str = "tiny") -> Path:
    """Build the replica of ``size`` once (the true-size one from the tiny one); concurrent sessions
    wait for the one that builds."""
    root = replica_root(cache_dir, size=size)
    if (root / MANIFEST).exists():
        return root
    from filelock import FileLock

    from harness import replica, replica_true_size
    from harness.registry import load_registry

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
