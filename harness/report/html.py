"""report.html: one self-contained page a person opens to read a run.

Everything is inline (styles, the script, the pictures as SVG) and the page's content security policy
forbids loading anything else, so it reads the same from a CI artifact, an e-mail or an offline disk.
It holds the claims table (filtered by model, backend and status, also from the address: ``#status=fail``),
each verdict's detail (the card's words, expected and measured, interval, test, diagnosis, notes), the
accuracy–latency–size picture with claimed and measured values both marked, and, given a history
folder, each claim's trend over the last runs.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from harness.claims.verdict import NOT_RUN

HISTORY_RUNS = 10
FILTERS = (("model", "model"), ("backend", "backend"), ("status", "status"))
TABLE = (("claim", "claim_id", ""), ("model", "model", ""), ("backend", "backend", ""), ("status", "status", ""),
         ("metric", "metric", ""), ("claimed", "claimed", ".4g"), ("expected", "target", ".4g"),
         ("measured", "measured", ".4g"), ("n", "n", ""), ("compared with", "compared_with", ""))  # fmt: skip
DETAIL = (("the card's words", "source"), ("tolerance", "tolerance"), ("reason", "reason"), ("baseline", "baseline"),
          ("paired test", "paired_test"), ("model", "model"), ("model revision", "model_revision"),
          ("dataset", "dataset"), ("dataset revision", "dataset_revision"), ("device", "device"))  # fmt: skip
STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 84rem; color: #1d1d1f; }
table { border-collapse: collapse; width: 100%; } th, td { padding: .3rem .5rem; border-bottom: 1px solid #ddd; }
th { text-align: left; background: #f3f3f5; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #0a6b2d; } .fail { color: #b00020; font-weight: 600; } .other { color: #666; }
#filters label { margin-right: 1rem; } details { margin: .4rem 0; padding: .3rem .6rem; background: #fafafa; }
dt { font-weight: 600; } dd { margin: 0 0 .4rem 1rem; white-space: pre-wrap; } .about { color: #555; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; }
"""
SCRIPT = """
(function () {
  const rows = Array.from(document.querySelectorAll('tr.verdict'));
  const selects = Array.from(document.querySelectorAll('#filters select'));
  function apply() {
    let shown = 0;
    for (const row of rows) {
      const keep = selects.every(s => !s.value || row.dataset[s.name] === s.value);
      row.hidden = !keep;
      shown += keep ? 1 : 0;
    }
    document.getElementById('shown').textContent = 'Showing ' + shown + ' of ' + rows.length + ' verdicts';
  }
  const wanted = new URLSearchParams(location.hash.slice(1));
  for (const select of selects) {
    if (wanted.has(select.name)) select.value = wanted.get(select.name);
    select.addEventListener('change', apply);
  }
  apply();
})();
"""


def write_html(path: Path, rows: Sequence[dict[str, Any]], *, about: dict[str, Any], picture_entries: Sequence[dict],
               history: Path | None = None) -> Path:  # fmt: skip
    """Write the page for ``rows`` (report.rows'), the summary entries the picture plots, and the history."""
    shown = [r for r in rows if r["status"] != NOT_RUN]
    parts = [
        "<h1>Model-card claims</h1>",
        f'<p class="about">{escape(", ".join(f"{k}: {v}" for k, v in about.items()))}</p>',
        _filters(shown),
        _table(shown),
        f'<p class="about">{len(rows) - len(shown)} claims this run did not reach are left out.</p>',
        "<h2>Each verdict</h2>",
        *(_detail(i, row) for i, row in enumerate(shown)),
        "<h2>Accuracy, latency and size</h2>",
        _picture_section(picture_entries),
    ]
    if history is not None:
        parts += ["<h2>History</h2>", _history_section(history)]
    page = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>harness report</title>'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; '
        "script-src 'unsafe-inline'; img-src data:\">"
        f"<style>{STYLE}</style></head><body>\n" + "\n".join(parts) + f"\n<script>{SCRIPT}</script></body></html>\n"
    )
    path.write_text(page, encoding="utf-8")
    return path


def _filters(rows: Sequence[dict[str, Any]]) -> str:
    selects = []
    for title, key in FILTERS:
        values = sorted({str(r[key]) for r in rows if r.get(key) is not None})
        options = '<option value="">all</option>' + "".join(f'<option value="{escape(v)}">{escape(v)}</option>'
                                                            for v in values)  # fmt: skip
        selects.append(f'<label>{title} <select name="{key}">{options}</select></label>')
    return f'<p id="filters">{"".join(selects)}</p><p id="shown">Showing {len(rows)} of {len(rows)} verdicts</p>'


def _table(rows: Sequence[dict[str, Any]]) -> str:
    head = "".join(f"<th>{title}</th>" for title, _, _ in TABLE)
    body = []
    for i, row in enumerate(rows):
        data = " ".join(f'data-{key}="{escape(str(row.get(key)))}"' for _, key in FILTERS)
        cells = []
        for _, key, spec in TABLE:
            value = row.get(key)
            text = "—" if value is None else format(value, spec) if spec and isinstance(value, float) else str(value)
            if key == "claim_id":
                text = f'<a href="#detail-{i}">{escape(text)}</a>'
            elif key == "status":
                text = f'<span class="{_tone(row)}">{escape(text)}</span>'
            else:
                text = escape(text)
            cells.append(f'<td class="num">{text}</td>' if spec or key == "n" else f"<td>{text}</td>")
        body.append(f'<tr class="verdict" {data}>{"".join(cells)}</tr>')
    return f'<table id="claims"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _tone(row: dict[str, Any]) -> str:
    status = str(row["status"])
    return "pass" if status.startswith("pass") else "fail" if status.startswith("fail") else "other"


def _detail(i: int, row: dict[str, Any]) -> str:
    items = [("expected", _number(row.get("target")) + (f" ({row['target_from']})" if row.get("target_from") else "")),
             ("measured", _number(row.get("measured")))]  # fmt: skip
    if row.get("interval"):
        low, high = row["interval"]
        items.append(("interval", f"{row.get('interval_method')} [{low:.4f}, {high:.4f}]"))
    if row.get("n") is not None:
        items.append(("examples", f"{row['n']} of {row.get('n_total')}"))
    items += [(title, str(row[key])) for title, key in DETAIL if row.get(key)]
    items += [("diagnosis", line) for line in row.get("diagnosis") or ()]
    items += [("note", line) for line in row.get("notes") or ()]
    listed = "".join(f"<dt>{escape(title)}</dt><dd>{escape(text)}</dd>" for title, text in items)
    status = f'<span class="{_tone(row)}">{escape(row["status"])}</span>'
    summary = f"{escape(row['claim_id'])} [{escape(row['backend'])}]: {status}"
    opened = " open" if _tone(row) == "fail" else ""  # a failure's detail is what a reader came for
    return f'<details id="detail-{i}"{opened}><summary>{summary}</summary><dl>{listed}</dl></details>'


def _number(value: Any) -> str:
    return "—" if value is None else f"{value:.4f}"


def _svg(draw) -> str:
    """The SVG a picture function (``draw(path)``) writes, inline: no file beside the page to lose."""
    with tempfile.TemporaryDirectory() as scratch:
        path = draw(Path(scratch) / "picture.svg")
        text = path.read_text(encoding="utf-8")
    return text[text.index("<svg") :]  # drop the XML prolog and doctype, which HTML does not take inline


def _picture_section(entries: Sequence[dict]) -> str:
    from harness.report import picture

    drawn = _svg(lambda path: picture.plot(entries, path, title="Model-card claims: accuracy, speed, size"))
    caption = "measured (circles) and the card's figure (dashes)"
    return f'<figure id="picture">{drawn}<figcaption>{caption}</figcaption></figure>'


def _history_section(folder: Path) -> str:
    from harness.report import history, trend

    runs = [history.load(path) for path in history.entries(folder)[-HISTORY_RUNS:]]
    found = trend.series(runs)
    drawn = _svg(lambda path: trend.plot(found, path, title=f"the last {len(runs)} runs of {folder}"))
    return f'<figure id="history">{drawn}</figure><pre>{escape(trend.table(found))}</pre>'
