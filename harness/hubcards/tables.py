"""Markdown tables whose header or first column names a metric, and whose other axis names a format,
a backend or a dataset (Intel's "| | PyTorch INT8 | ONNX INT8 | FP32 |" tables; "SQuAD (EM/F1)" columns).
Tables under a heading about training (the Trainer's per-epoch log) are not claims and are skipped."""

from __future__ import annotations

import re
from collections.abc import Iterator

from harness.hubcards.found import Found, RawDataset
from harness.hubcards.readme import CardText
from harness.hubcards.words import metric_name

_HEADING = re.compile(r"^\s*#{1,6}\s+(?P<title>.+?)\s*$")
_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_METRICS_IN_PARENS = re.compile(r"^(?P<label>.*?)\s*\((?P<metrics>[^)]*)\)\s*$")


def read(card: CardText) -> tuple[list[Found], list[str]]:
    found: list[Found] = []
    problems: list[str] = []
    for line_no, heading, rows in _tables(card.body):
        if "train" in heading.lower():
            continue
        header, body = rows[0], rows[2:]
        for offset, row in enumerate(body, 3):
            at = f"README.md line {card.body_line + line_no + offset - 1}"
            found.extend(_cells(header, row, at, problems))
    return found, problems


def _tables(body: str) -> Iterator[tuple[int, str, list[list[str]]]]:
    """(line of the header within the body, the heading above, the rows as cells) for each table."""
    heading, table, start = "", [], 0
    lines = body.splitlines() + [""]
    for i, line in enumerate(lines):
        if line.strip().startswith("|"):
            if not table:
                start = i
            table.append(line)
            continue
        if len(table) >= 3 and _RULE.match(table[1]):
            yield start, heading, [_split(row) for row in table]
        table = []
        match = _HEADING.match(line)
        if match:
            heading = match["title"]


def _split(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def _cells(header: list[str], row: list[str], at: str, problems: list[str]) -> list[Found]:
    """Metric per row (first column) with labelled columns, or metrics per column with a labelled row."""
    label = _plain(row[0]) if row else ""
    found = []
    row_metric = metric_name(label)
    for column, cell in zip(header[1:], row[1:], strict=False):
        value = _plain(cell)
        if not re.search(r"\d", value):  # empty, or a label ("Large", "—"): not a figure
            continue
        if row_metric is not None:
            found.append(Found(kind="table", at=at, metric=label, value=value, column=_plain(column)))
            continue
        names, printed = _column_metrics(_plain(column))
        values = value.split("/") if len(names) > 1 else [value]
        if not names or len(values) != len(names):
            continue
        for name, part in zip(names, values, strict=True):
            found.append(Found(kind="table", at=at, metric=name, value=part.strip(), column=label, task=None,
                               dataset=None if not printed else _dataset_label(printed)))  # fmt: skip
    return found


def _column_metrics(column: str) -> tuple[list[str], str]:
    """A column header naming metrics: "Accuracy" -> (["Accuracy"], ""); "SQuADv1.1 (EM/F1)" ->
    (["EM", "F1"], "SQuADv1.1"); a header naming no metric -> ([], "")."""
    if metric_name(column):
        return [column], ""
    match = _METRICS_IN_PARENS.match(column)
    if match:
        names = [n.strip() for n in match["metrics"].split("/")]
        if names and all(metric_name(n) for n in names):
            return names, match["label"]
    return [], ""


def _dataset_label(label: str) -> RawDataset:
    return RawDataset(name=label, inferred_from=f"a table column ({label!r})")


def _plain(cell: str) -> str:
    return re.sub(r"[*`]", "", cell).strip()
