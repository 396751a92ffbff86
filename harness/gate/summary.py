"""The end of a run: strict mode's rule, the verdict table in the terminal, and the files it writes."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from harness.gate.session import HarnessSession


def exit_status(harness: HarnessSession, exitstatus: int) -> int:
    """Strict mode: a run in which no claim was checked fails (a gate that checked nothing did not pass).
    Under torchrun every rank ends with rank 0's status."""
    from harness.engine import distributed

    if harness.worker:  # an xdist worker: its controller, which received every report, decides
        return exitstatus
    if harness.strict and not harness.checked and exitstatus in (0, 5):
        exitstatus = pytest.ExitCode.TESTS_FAILED
    if distributed.current() is not None:
        exitstatus = distributed.finish(int(exitstatus))
    return exitstatus


def write_summary(harness: HarnessSession, terminal, *, json_path: str | None, report_dir: str | None) -> None:
    """The verdict table and parity lines in the terminal; rank 0 writes verdicts.json and the report."""
    if harness.worker:  # an xdist worker holds none of the run's records: its controller reports and writes
        return
    if harness.strict and not harness.checked:
        terminal.write_sep("=", "harness: strict mode: no claim was checked in this run", red=True)
        terminal.write_line(
            "Every claim test was skipped or deselected (check -m, -k, --harness-model and --harness-backend): "
            "a strict run that checks nothing fails."
        )
    if not (harness.verdicts or harness.latencies or harness.parities or json_path or report_dir or harness.memory):
        return
    from harness.report import results as report

    rows = report.rows(harness.verdicts, harness.registry, models=harness.models)
    terminal.write_sep("=", "harness: model-card claims")
    for line in report.table(rows).splitlines():
        terminal.write_line(line)
    if harness.parities:
        from harness.contracts.parity import describe

        terminal.write_sep("-", "harness: backends compared on a split")
        for record in harness.parities:
            terminal.write_line(("" if record["passed"] else "FAILS: ") + describe(record))
    if harness.rank != 0:
        return  # under torchrun, rank 0 alone reports and writes the run's files
    about = {"hub": harness.hub, "strict": harness.strict, "limit": harness.limit, "ranks": harness.ranks,
             "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")}  # fmt: skip
    if harness.memory is not None:
        about.update(harness.memory.about())
    recorded = dict(about=about, latency=harness.latencies, parity=harness.parities)
    if harness.memory is not None:
        for line in harness.memory.write(rows, about):
            terminal.write_line(line)
    if json_path:
        report.write_json(Path(json_path), rows, **recorded)
        terminal.write_line(f"verdicts written to {json_path}")
    if report_dir:
        history = harness.memory.history if harness.memory is not None else None
        written = report.write_report(Path(report_dir), rows, **recorded, history=history)
        terminal.write_line(f"report written: {', '.join(map(str, written))}")
    _github(harness, terminal, rows, recorded)


def _github(harness: HarnessSession, terminal, rows, recorded) -> None:
    """Under GitHub Actions: the claims table in the job summary, an annotation per failed claim."""
    from harness.gate import github
    from harness.report import results as report

    for line in github.annotations(rows, harness.registry):
        terminal.write_line(line)
    summary = github.step_summary(report.markdown(rows, **recorded))
    if summary is not None:
        terminal.write_line(f"claims table appended to the job summary ({summary})")
