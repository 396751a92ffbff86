"""Every claim's verdict as rows, a plain-text table, a JSON document, and a markdown report with a
picture. Latency records (one per benchmarked job, from the latency suite) join the claims there."""

from __future__ import annotations

import json
import platform
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from harness import __version__
from harness.claims.model import Registry
from harness.claims.verdict import NOT_CHECKABLE, NOT_RUN, PASS, PASS_STAND_IN, Verdict


def rows(verdicts: Iterable[Verdict], registry: Registry, *, models: Sequence[str] = ()) -> list[dict[str, Any]]:
    """One row per claim and backend, in card order; claims this run did not reach say so."""
    latest = {(v.claim_id, v.backend): v for v in verdicts}
    table: list[dict[str, Any]] = []
    for claim in registry.select(models=models):
        if not claim.checkable:
            table.append(Verdict.unchecked(claim, "—", status=NOT_CHECKABLE, reason=claim.reason).as_dict())
            continue
        for backend in claim.backends:
            not_run = f"not selected in this run (suite '{claim.suite}', run it with -m {claim.suite})"
            verdict = latest.get((claim.id, backend)) or Verdict.unchecked(
                claim, backend, status=NOT_RUN, reason=not_run
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


Records = Sequence[dict[str, Any]]
MEASUREMENTS = ("latency", "parity")  # what a run records besides the claims, by key in the JSON


def write_json(
    path: Path, rows: Records, *, about: dict[str, Any], latency: Records = (), parity: Records = ()
) -> None:
    document = {
        "harness": __version__,
        "python": platform.python_version(),
        **about,
        "claims": list(rows),
        "latency": list(latency),
        "parity": list(parity),
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
    ("expected", "target", ".4g"), ("compared with", "compared_with", ""), ("examples/s", "examples_per_second", ".0f"),
)  # fmt: skip


QUALITY_METRICS = ("accuracy", "f1", "exact_match")


def summary(rows: Sequence[dict[str, Any]], latency: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per model and backend: accuracy/F1 claimed and measured, size, single-query p50/p90, examples/s."""
    found: dict[tuple[str, str], dict[str, Any]] = {}

    def entry(model: str, backend: str) -> dict[str, Any]:
        return found.setdefault((model, backend), {"model": model, "backend": backend, "quality": [],
                                                   "size_mib": None, "p50_ms": None, "p90_ms": None,
                                                   "examples_per_second": None})  # fmt: skip

    for row in rows:
        if row["measured"] is None or row["model"] is None:
            continue
        if row["metric"] in QUALITY_METRICS and not row.get("baseline"):  # a relative claim's value is its model's
            entry(row["model"], row["backend"])["quality"].append(row)
        elif row["metric"] == "size_mib":
            entry(row["model"], row["backend"])["size_mib"] = row["measured"]
    for record in latency:
        target = entry(record["model"], record["backend"])
        if record["kind"] == "single query":
            target.update(p50_ms=record["p50_ms"], p90_ms=record["p90_ms"])
        else:
            target["examples_per_second"] = record["examples_per_second"]
    return list(found.values())


def _section(title: str, header: Sequence[str], rows: Iterable[Sequence[str]], footnote: str) -> list[str]:
    """A markdown section: a heading, a table and the sentence that says how to read it."""
    lines = [f"## {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return [*lines, "", footnote]


def _evaluated_on(row: dict[str, Any]) -> str:
    """Which mode produced a verdict: the whole split, or a sample judged by its interval."""
    on = f" on {row['device']}" if row.get("device") else ""
    if row.get("evaluation") == "sample" and row.get("interval"):
        low, high = row["interval"]
        return f"sample of {row['n']} / {row['n_total']}, {row['interval_method']} [{low:.4g}, {high:.4g}]{on}"
    if row.get("evaluation") == "full split":
        return f"full split ({row['n']}){on}"
    return "—"


def _summary_markdown(entries: Sequence[dict[str, Any]]) -> list[str]:
    def cells(item: dict[str, Any]) -> list[str]:
        quality = "<br>".join(
            f"{r['claim_id']}: {_cell(r['claimed'], '.4g')} → {_cell(r['measured'], '.4g')} ({r['status']})"
            for r in item["quality"]
        )
        return [item["model"], item["backend"], quality or "—", _cell(item["size_mib"], ".1f"),
                _cell(item["p50_ms"], ".1f"), _cell(item["p90_ms"], ".1f"),
                _cell(item["examples_per_second"], ".0f")]  # fmt: skip

    return _section(
        "Models on their backends",
        ["model", "backend", "accuracy / F1: claimed → measured", "size MiB", "p50 ms", "p90 ms", "examples/s"],
        map(cells, entries),
        "p50/p90: single-query latency (one realistic example, tokenization to answer); examples/s: batched "
        "throughput on a sample of the claim's dataset; both from pytest-benchmark, reported, never gated.",
    )


def _parity_markdown(parity: Records) -> list[str]:
    def cells(r: dict[str, Any]) -> list[str]:
        candidate, reference = r["candidate"], r["reference"]
        return [
            f"{candidate['model']} [{candidate['backend']}]", f"{reference['model']} [{reference['backend']}]",
            r["dataset"], f"{r['n']} of {r['n_total']}", f"{r['agreement']:.2%} (≥ {r['required_agreement']:.1%})",
            f"{r['candidate_score']:.4f} / {r['reference_score']:.4f} ({r['metric']})",
            f"{r['only_candidate_right']} / {r['only_reference_right']}", f"{r['mcnemar_p']:.3g}",
            "pass" if r["passed"] else "fail",
        ]  # fmt: skip

    return _section(
        "Backends agree",
        [
            "candidate",
            "reference",
            "dataset",
            "n",
            "same answer (required)",
            "right: candidate / reference",
            "right only on candidate / reference",
            "McNemar p",
            "status",
        ],  # fmt: skip
        map(cells, parity),
        "McNemar's exact test asks whether the examples only one side gets right split unevenly by more than "
        "chance; it is reported, not gated (a quantized model may be measurably, and acceptably, worse).",
    )


def markdown(rows: Records, *, about: dict[str, Any], latency: Records = (), parity: Records = ()) -> str:
    """A markdown report: the models on their backends, then one row per claim and backend that has a
    status worth reading."""
    shown = [r for r in rows if r["status"] != NOT_RUN]
    head = [title for title, _, _ in MARKDOWN_COLUMNS] + ["evaluated on"]
    lines = [
        "# Model-card claims",
        "",
        ", ".join(f"{key}: {value}" for key, value in about.items()),
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for row in shown:
        cells = [_cell(row[key], spec) for _, key, spec in MARKDOWN_COLUMNS] + [_evaluated_on(row)]
        lines.append("| " + " | ".join(cells) + " |")
    entries = summary(rows, latency)
    if entries:
        lines += ["", *_summary_markdown(entries)]
    if parity:
        lines += ["", *_parity_markdown(parity)]
    lines += ["", "What a status means: `pass`/`fail` compare the measurement with the card's figure (or, for a "
              "speed ratio, the harness's stated expectation); `pass (stand-in)`/`fail (stand-in)` compare it with "
              "what a stand-in's reference gave on the same examples, which says the harness computes what "
              "transformers computes, not that the card holds; `not checkable` says why neither was possible."]
    if any(r.get("mode") == "replica" for r in shown) or any(r.get("mode") == "replica" for r in latency):
        lines += ["", "Replica runs: accuracy is measured on tiny trained stand-ins, size and speed on true-size "
                  "stand-ins (the cards' dimensions, random weights); the real models' numbers need the real "
                  "artifacts."]  # fmt: skip
    reasons = [r for r in shown if r["reason"] and r["status"] not in (PASS, PASS_STAND_IN)]
    if reasons:
        lines += ["", "## Why some claims were not verified", ""]
        lines += [f"- **{r['claim_id']}** [{r['backend']}] ({r['status']}): {r['reason']}" for r in reasons]
    return "\n".join(lines) + "\n"


def write_report(
    folder: Path, rows: Records, *, about: dict[str, Any], latency: Records = (), parity: Records = (),
    history: Path | None = None,
) -> list[Path]:  # fmt: skip
    """verdicts.json, report.md, accuracy-latency-size.png and report.html (with ``history``'s trend) in ``folder``."""
    from harness.report import picture
    from harness.report.html import write_html

    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / "verdicts.json", rows, about=about, latency=latency, parity=parity)
    png = picture.plot(
        summary(rows, latency), folder / "accuracy-latency-size.png", title="Model-card claims: accuracy, speed, size"
    )
    text = markdown(rows, about=about, latency=latency, parity=parity)
    text += f"\n![accuracy, latency and size]({png.name})\n"
    (folder / "report.md").write_text(text, encoding="utf-8")
    entries = summary(rows, latency)
    page = write_html(folder / "report.html", rows, about=about, picture_entries=entries, history=history)
    return [folder / "verdicts.json", folder / "report.md", png, page]


def read_json(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The claims, the run's description, and its other records by kind (``latency``, ``parity``)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or "claims" not in document:
        raise ValueError(f"{path} is not a harness verdicts file (no 'claims'); write one with --harness-json")
    about = {k: v for k, v in document.items() if k != "claims" and k not in MEASUREMENTS}
    return document["claims"], about, {kind: document.get(kind, []) for kind in MEASUREMENTS}
