"""Turn a ``--harness-hub`` value into a Hub location, building the replica hub when asked."""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from harness import __version__
from harness.expected import MANIFEST, ReplicaExpectations
from harness.hub import HubLocation

HUB_CHOICES = ("hub", "replica")


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


def resolve_hub(value: str, *, cache_dir: Path) -> Resolved:
    if value == "hub":
        from huggingface_hub import constants

        return Resolved(
            location=HubLocation(
                cache_dir=None, offline=constants.HF_HUB_OFFLINE, label=f"Hub cache {constants.HF_HUB_CACHE}"
            ),
            expectations=None,
        )
    root = replica_root(cache_dir) if value == "replica" else Path(value).resolve()
    if value == "replica":
        ensure_replica(root)
    expectations = ReplicaExpectations.find(root)
    label = f"replica hub {root}" if expectations else f"Hub cache {root / 'hub'}"
    # A directory is a snapshot of a cache: never reach out to the network from it.
    return Resolved(location=HubLocation(cache_dir=root / "hub", offline=True, label=label), expectations=expectations)


def replica_root(cache_dir: Path) -> Path:
    """One replica per version of the cards and of the code that builds it, and per environment.

    An environment builds the stand-ins its backends can make (INC ones only where Intel Neural
    Compressor is installed), so each environment keeps its own replica.
    """
    from harness.backends.base import LOADERS, unavailable_reason

    buildable = ",".join(name for name in LOADERS if unavailable_reason(name) is None)
    digest = hashlib.sha256(f"{__version__}|{buildable}".encode())
    package = Path(__file__).parent
    builders = [
        "replica.py", "replica_text.py", "replica_classification.py", "replica_qa.py", "replica_inc.py",
        "training.py", "backends/onnx_export.py",
    ]  # fmt: skip
    for path in sorted([*(package / name for name in builders), *(package / "cards").glob("*.yaml")]):
        digest.update(path.read_bytes())
    return cache_dir / f"replica-{digest.hexdigest()[:12]}"


def ensure_replica(root: Path) -> Path:
    """Build the replica once; concurrent sessions wait for the one that builds."""
    if (root / MANIFEST).exists():
        return root
    from filelock import FileLock

    from harness.registry import load_registry
    from harness.replica import build

    root.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root) + ".lock"):
        if (root / MANIFEST).exists():
            return root
        staging = root.with_name(root.name + ".building")
        shutil.rmtree(staging, ignore_errors=True)
        build(staging, load_registry(), progress=lambda line: print(f"[harness replica] {line}", flush=True))
        staging.rename(root)
    return root
