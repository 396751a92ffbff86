"""The accuracy–latency–size picture model compression is judged by (PNG, or SVG for the HTML report)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

QUALITY_SCALE = {"accuracy": 100.0, "f1": 1.0, "exact_match": 1.0}  # to percent
SINGLE_QUERY = "single-query latency p50 (ms, log scale)"
BATCHED = "milliseconds per example (batched evaluation, log scale)"


def points(entries: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], str, list[str]]:
    """One point per measured accuracy/F1 claim on a model and backend; the x axis's meaning; left out.

    x is the single-query p50 latency where the run benchmarked latency; a run that did not uses
    the batched evaluation's time per example instead. The two never share an axis.
    """
    benchmarked = any(entry["p50_ms"] is not None for entry in entries)
    found, left_out = [], []
    for entry in entries:
        for row in entry["quality"]:
            label = f"{row['claim_id']} [{entry['backend']}]"
            if benchmarked:
                ms = entry["p50_ms"]
            else:
                ms = 1000.0 / row["examples_per_second"] if row.get("examples_per_second") else None
            if ms is None:
                left_out.append(label)
                continue
            found.append({
                "label": label,
                # The status says what the point was judged against: the card, or a stand-in's reference.
                "verdict": f"{row['status']}, card {row['claimed']:.4g}",
                "ms": ms,
                "quality": row["measured"] * QUALITY_SCALE[row["metric"]],
                "claimed": None if row["claimed"] is None else row["claimed"] * QUALITY_SCALE[row["metric"]],
                "size": entry["size_mib"],
            })  # fmt: skip
    return found, SINGLE_QUERY if benchmarked else BATCHED, left_out


def plot(entries: Sequence[dict[str, Any]], path: Path, *, title: str) -> Path:
    """Scatter of quality against latency; marker area proportional to size on disk.

    ``entries`` are report.summary's: one per model and backend.
    """
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    found, x_label, left_out = points(entries)
    # Points sit close together (one model on two backends, matched and mismatched splits), so
    # each is numbered and named in a legend beside the plot rather than labelled in place.
    figure, axes = plt.subplots(figsize=(12, 6), dpi=120)
    largest = max((p["size"] for p in found if p["size"]), default=1.0)
    for number, point in enumerate(found, start=1):
        colour = f"C{(number - 1) % 10}"
        hollow = point["size"] is None
        area = 1400 * point["size"] / largest if point["size"] else 60  # proportional to size
        size_text = "size not measured" if hollow else f"{point['size']:.3g} MiB"
        axes.scatter(point["ms"], point["quality"], s=area, alpha=0.5, edgecolors=colour, linewidths=1.5,
                     facecolors="none" if hollow else colour,
                     label=f"{number}. {point['label']} {point['verdict']}; {size_text}")  # fmt: skip
        axes.annotate(str(number), (point["ms"], point["quality"]), xytext=(4, 4), textcoords="offset points",
                      fontsize=8, color=colour, fontweight="bold")  # fmt: skip
        if point["claimed"] is not None:  # the card's figure at the same latency, joined to what was measured
            axes.plot([point["ms"], point["ms"]], [point["claimed"], point["quality"]], color=colour, linewidth=0.8)
            axes.scatter(point["ms"], point["claimed"], marker="_", s=160, color=colour, linewidths=2)
    axes.set_xscale("log")
    axes.set_xlabel(x_label)
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
    footer = "marker area: size on disk (hollow: not measured in this run); dash: the card's figure"
    if left_out:
        footer += f"; no latency measured for {', '.join(left_out)}"
    figure.text(0.01, 0.01, footer, fontsize=7, wrap=True)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path
