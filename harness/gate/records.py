"""What a test found travels on its report, so that the process that reports builds the run's table,
JSON, report and strict verdict from the reports it received: one process, or pytest-xdist's
controller, whose workers hold the test results in their own memory.

A test appends its records to ``item.user_properties`` (which pytest, and xdist between processes,
carry on every report); the reporting process takes them from each test's teardown report. The few
scalar properties a CI reader wants (claimed, measured, tolerance, n, status, revisions) stay there and
reach ``--junitxml``; the full records are taken off before the JUnit writer sees them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

    from harness.claims.verdict import Verdict

VERDICT, LATENCY, PARITY, CHECKED = "harness_verdict", "harness_latency", "harness_parity", "harness_checked"
EXAMPLES = "harness_examples"  # a verdict's per-example results, for the run's history and predictions files
RECORDS = (VERDICT, LATENCY, PARITY, CHECKED, EXAMPLES)
# The verdict's fields a JUnit reader sees as properties of the claim's test case.
JUNIT_FIELDS = ("claim_id", "status", "claimed", "measured", "tolerance", "n", "model", "model_revision",
                "dataset", "dataset_revision", "device")  # fmt: skip


def attach_verdict(node: pytest.Item, verdict: Verdict) -> None:
    record = verdict.as_dict()
    node.user_properties.append((VERDICT, record))
    for name in JUNIT_FIELDS:
        if record.get(name) is not None:
            node.user_properties.append((f"harness_{name}", record[name]))


def attach(node: pytest.Item, kind: str, record: Any) -> None:
    node.user_properties.append((kind, record))


def take(report: pytest.TestReport) -> list[tuple[str, Any]]:
    """The records a test's teardown report carries, taken off it (the JUnit properties stay)."""
    if report.when != "teardown":
        return []
    found = [(key, value) for key, value in report.user_properties if key in RECORDS]
    report.user_properties[:] = [(key, value) for key, value in report.user_properties if key not in RECORDS]
    return found
