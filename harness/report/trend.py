"""A claim's measured value over the last runs of a history folder: a table and a picture."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.report.history import Run

Series = dict[tuple[str, str], list[tuple[Run, dict[str, Any]]]]


def series(runs: Sequence[Run], *, claims: Sequence[str] = ()) -> Series:
    """Per claim and backend, the runs (oldest first) that measured it, with their verdicts."""
    found: Series = {}
    for run in runs:
        for verdict in run.claims:
            if verdict.get("measured") is None or (claims and verdict["claim_id"] not in claims):
                continue
            found.setdefault((verdict["claim_id"], verdict["backend"]), []).append((run, verdict))
    return found


def table(found: Series) -> str:
    lines = []
    for (claim_id, backend), points in found.items():
        claimed = points[-1][1].get("claimed")
        lines.append(f"{claim_id} [{backend}] {points[-1][1]['metric']}"
                     + (f", the card claims {claimed:.4g}" if claimed is not None else ""))  # fmt: skip
        for run, verdict in points:
            sample = "" if verdict.get("n") == verdict.get("n_total") else f" on {verdict.get('n')} rows"
            lines.append(f"  {run.label:<40} {verdict['measured']:.4f}  {verdict['status']}{sample}")
    return "\n".join(lines) if lines else "no measured claim in these runs"


def plot(found: Series, path: Path, *, title: str) -> Path:
    """One line per claim and backend over the runs, its claimed value dashed in the same colour."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(11, 5), dpi=110)
    for number, ((claim_id, backend), points) in enumerate(found.items()):
        colour = f"C{number % 10}"
        values = [verdict["measured"] for _, verdict in points]
        axes.plot(range(1, len(values) + 1), values, marker="o", color=colour, label=f"{claim_id} [{backend}]")
        claimed = points[-1][1].get("claimed")
        if claimed is not None:
            axes.axhline(claimed, color=colour, linestyle="--", linewidth=0.8, alpha=0.7)
    axes.set_xlabel("run (oldest first)")
    axes.set_ylabel("measured value")
    axes.set_title(title, fontsize=11)
    axes.grid(True, alpha=0.3)
    if found:
        axes.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False,
                    title="claim [backend]; dashed: the card's figure", title_fontsize=8)  # fmt: skip
    else:
        axes.text(0.5, 0.5, "no measured claim in these runs", ha="center", transform=axes.transAxes)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path
