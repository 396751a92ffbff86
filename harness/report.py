"""Every claim's verdict as rows, a plain-text table and a JSON document."""

from __future__ import annotations

import json
import platform
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from harness import __version__
from harness.registry import Registry
from harness.verdict import NOT_CHECKABLE, NOT_RUN, Verdict


def rows(verdicts: Iterable[Verdict], registry: Registry, *, models: Sequence[str] = ()) -> list[dict[str, Any]]:
    """One row per claim and backend, in card order; claims this run did not reach say so."""
    latest = {(v.claim_id, v.backend): v for v in verdicts}
    table: list[dict[str, Any]] = []
    for claim in registry.select(models=models):
        if not claim.checkable:
            table.append(
                Verdict(
                    claim_id=claim.id,
                    backend="—",
                    status=NOT_CHECKABLE,
                    metric=claim.metric,
                    claimed=claim.value,
                    reason=claim.reason,
                    model=claim.model.repo,
                    source=claim.source,
                ).as_dict()
            )
            continue
        for backend in claim.backends:
            verdict = latest.get((claim.id, backend)) or Verdict(
                claim_id=claim.id,
                backend=backend,
                status=NOT_RUN,
                metric=claim.metric,
                claimed=claim.value,
                reason=f"not selected in this run (suite '{claim.suite}', run it with -m {claim.suite})",
                model=claim.model.repo,
                source=claim.source,
            )
            table.append(verdict.as_dict())
    return table


# A fixed-width text table is all the terminal summary needs; it keeps the plugin free of
# rendering dependencies.
COLUMNS = (  # title, key, format of a number
    ("claim", "claim_id", ""),
    ("backend", "backend", ""),
    ("status", "status", ""),
    ("metric", "metric", ""),
    ("claimed", "claimed", ".4f"),
    ("expected", "target", ".4f"),
    ("measured", "measured", ".4f"),
    ("n", "n", ""),
    ("features/s", "features_per_second", ".0f"),
)


def table(rows: Sequence[dict[str, Any]]) -> str:
    cells = [[_cell(row[key], spec) for _, key, spec in COLUMNS] for row in rows]
    header = [title for title, _, _ in COLUMNS]
    widths = [max(len(r[i]) for r in [header, *cells]) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    lines.append(", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    return "\n".join(lines)


def write_json(path: Path, rows: Sequence[dict[str, Any]], *, about: dict[str, Any]) -> None:
    document = {
        "harness": __version__,
        "python": platform.python_version(),
        **about,
        "claims": list(rows),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")


def _cell(value: Any, spec: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and spec:
        return format(value, spec)
    return str(value)
