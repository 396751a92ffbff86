"""Every claim's verdict as rows, a plain-text table, a JSON document, and a markdown report with a
picture."""

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


MARKDOWN_COLUMNS = (
    ("model", "model", ""), ("backend", "backend", ""), ("claim", "claim_id", ""), ("metric", "metric", ""),
    ("status", "status", ""), ("claimed", "claimed", ".4g"), ("measured", "measured", ".4g"),
    ("expected (replica)", "target", ".4g"), ("examples/s", "examples_per_second", ".0f"),
)  # fmt: skip


def markdown(rows: Sequence[dict[str, Any]], *, about: dict[str, Any]) -> str:
    """A markdown report: one table row per claim and backend that has a status worth reading."""
    shown = [r for r in rows if r["status"] != NOT_RUN]
    head = [title for title, _, _ in MARKDOWN_COLUMNS]
    lines = [
        "# Model-card claims",
        "",
        ", ".join(f"{key}: {value}" for key, value in about.items()),
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for row in shown:
        lines.append("| " + " | ".join(_cell(row[key], spec) for _, key, spec in MARKDOWN_COLUMNS) + " |")
    reasons = [r for r in shown if r["reason"] and r["status"] != "pass"]
    if reasons:
        lines += ["", "## Why some claims were not verified", ""]
        lines += [f"- **{r['claim_id']}** [{r['backend']}] ({r['status']}): {r['reason']}" for r in reasons]
    return "\n".join(lines) + "\n"


def write_report(folder: Path, rows: Sequence[dict[str, Any]], *, about: dict[str, Any]) -> list[Path]:
    """verdicts.json, report.md and accuracy-latency-size.png in ``folder``."""
    from harness import picture

    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / "verdicts.json", rows, about=about)
    png = picture.plot(rows, folder / "accuracy-latency-size.png", title="Model-card claims: accuracy, speed, size")
    text = markdown(rows, about=about) + f"\n![accuracy, latency and size]({png.name})\n"
    (folder / "report.md").write_text(text, encoding="utf-8")
    return [folder / "verdicts.json", folder / "report.md", png]


def read_json(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or "claims" not in document:
        raise ValueError(f"{path} is not a harness verdicts file (no 'claims'); write one with --harness-json")
    about = {k: v for k, v in document.items() if k != "claims"}
    return document["claims"], about
