"""The accuracy–latency–size picture model compression is judged by, as a PNG."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

QUALITY_METRICS = {"accuracy": 100.0, "f1": 1.0, "exact_match": 1.0}  # scale to percent


def points(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One point per measured accuracy/F1 verdict: ms per example, percent, and size if measured."""
    sizes = {(r["model"], r["backend"]): r["measured"] for r in rows if r["metric"] == "size_mib" and r["measured"]}
    found = []
    for row in rows:
        scale = QUALITY_METRICS.get(row["metric"])
        if scale is None or row["measured"] is None or not row.get("examples_per_second"):
            continue
        found.append({
            "label": f"{row['model'].split('/')[-1]} [{row['backend']}]",
            "claim": row["claim_id"],
            "ms": 1000.0 / row["examples_per_second"],
            "quality": row["measured"] * scale,
            "size": sizes.get((row["model"], row["backend"])),
        })  # fmt: skip
    return found


def plot(rows: Sequence[dict[str, Any]], path: Path, *, title: str) -> Path:
    """Scatter of quality against ms per example; marker area proportional to size on disk."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    found = points(rows)
    # Points sit close together (one model on two backends, matched and mismatched splits), so
    # each is numbered and named in a legend beside the plot rather than labelled in place.
    figure, axes = plt.subplots(figsize=(12, 6), dpi=120)
    largest = max((p["size"] for p in found if p["size"]), default=1.0)
    for number, point in enumerate(found, start=1):
        colour = f"C{(number - 1) % 10}"
        hollow = point["size"] is None
        area = 60 + 1400 * (point["size"] / largest) if point["size"] else 60
        size_text = "size not measured" if hollow else f"{point['size']:.3g} MiB"
        axes.scatter(point["ms"], point["quality"], s=area, alpha=0.5, edgecolors=colour, linewidths=1.5,
                     facecolors="none" if hollow else colour,
                     label=f"{number}. {point['claim']} [{point['label'].split('[')[-1]} {size_text}")  # fmt: skip
        axes.annotate(str(number), (point["ms"], point["quality"]), xytext=(4, 4), textcoords="offset points",
                      fontsize=8, color=colour, fontweight="bold")  # fmt: skip
    axes.set_xscale("log")
    axes.set_xlabel("milliseconds per example (batched evaluation, log scale)")
    axes.set_ylabel("measured accuracy / F1 (%)")
    axes.set_title(title, fontsize=11)
    axes.grid(True, which="both", alpha=0.3)
    if not found:
        axes.text(0.5, 0.5, "no accuracy or F1 was measured in these results", ha="center", transform=axes.transAxes)
    else:
        legend = axes.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, markerscale=0.4,
                             title="claim [backend] size on disk", title_fontsize=8, frameon=False)  # fmt: skip
        for handle in legend.legend_handles:
            handle.set_sizes([40])
    axes.margins(x=0.2, y=0.15)
    figure.text(0.01, 0.01, "marker area: size on disk (hollow: not measured in this run)", fontsize=7)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path
