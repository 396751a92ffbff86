"""Which pickled checkpoints this harness may fully unpickle unasked: the files it built itself.

A replica's manifest lies in the folder it describes, so whoever can write a hub folder could list
their own pickle's digest there. The digests of what this harness built are recorded instead in its
own cache folder, which no folder passed as ``--harness-hub DIR`` writes; the lock and
``--harness-allow-pickle`` are the other ways a pickle is trusted.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from harness.cache.store import write_atomically

RECORD = Path("trust") / "built-sha256.txt"


def record_built(cache_dir: Path, digests: Iterable[str]) -> None:
    """Add the sha256 digests of files this harness just wrote to its record."""
    known = built(cache_dir)
    merged = sorted(known | set(digests))
    if len(merged) != len(known):
        write_atomically(cache_dir / RECORD, lambda out: out.write(("\n".join(merged) + "\n").encode()))


def built(cache_dir: Path) -> frozenset[str]:
    """The digests of every file this harness built under ``cache_dir``."""
    path = cache_dir / RECORD
    if not path.is_file():
        return frozenset()
    return frozenset(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
