"""The plugin's command-line options: one `harness` group, every flag `--harness-*`, each value
checked while parsing, with a message naming the value and what was expected."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

import pytest

from harness.claims.vocabulary import BACKENDS, SELECTABLE_BACKENDS, VARIANTS
from harness.hub.lock import LOCK_NAME
from harness.hub.resolve import check_hub_value


def add_options(parser: pytest.Parser) -> None:
    """Every `--harness-*` option, in one group; values are checked while parsing."""
    group = parser.getgroup("harness", "model-card claims (harness)")
    _selection(group)
    _sources(group)
    _running(group)


def _selection(group) -> None:
    """Which claims run, and on how many examples."""
    group.addoption(
        "--harness-backend",
        action="append",
        choices=SELECTABLE_BACKENDS,
        default=[],
        metavar="NAME",
        help=f"check only claims on this backend (repeatable): {', '.join(BACKENDS)}; or a variant for "
        f"contracts, parity and speed, run only when named: {', '.join(VARIANTS)}",
    )
    group.addoption(
        "--harness-model",
        action="append",
        default=[],
        metavar="REPO_ID",
        help="check only this model's claims (repeatable)",
    )
    group.addoption(
        "--harness-limit",
        type=_positive_int_of("examples"),
        default=None,
        metavar="N",
        help="evaluate a seeded, label-stratified sample of N examples per claim",
    )
    group.addoption(
        "--harness-diagnose",
        action="store_true",
        help="on a failed accuracy, F1 or loss claim, evaluate again to find why: at other sequence lengths, on "
        "the dataset's other cached splits, with the config's activation swapped",
    )
    group.addoption("--harness-seed", type=int, default=0, metavar="SEED", help="seed of --harness-limit samples")


def _sources(group) -> None:
    """Where artifacts come from, and what the run trusts."""
    group.addoption(
        "--harness-strict",
        action="store_true",
        default=env_flag("HARNESS_STRICT"),
        help="fail, never skip, a claim whose artifact or backend is missing (also HARNESS_STRICT=1)",
    )
    group.addoption(
        "--harness-hub",
        type=_hub_value,
        default="hub",
        metavar="hub|replica|DIR",
        help="where artifacts come from: 'hub' (the Hub cache HF_HOME configures), 'replica' "
        "(stand-ins built offline) or an HF_HOME-style directory",
    )
    group.addoption(
        "--harness-lock",
        default=None,
        metavar="PATH",
        help=f"the lock pinning commits and file digests for --harness-hub hub (default: {LOCK_NAME} in the "
        "rootdir, when there is one)",
    )
    group.addoption(
        "--harness-cards",
        default=None,
        metavar="DIR",
        help="read the model cards in DIR instead of the built-in ones",
    )
    group.addoption(
        "--harness-import",
        action="append",
        default=[],
        metavar="REPO_ID",
        help="gate this model straight from its Hub card (model-index, tables, Trainer text), read from "
        "--harness-hub; repeatable. Alone, only imported claims run; with --harness-cards, both",
    )
    group.addoption(
        "--harness-allow-pickle",
        action="store_true",
        default=False,
        help="allow fully unpickling checkpoints whose sha256 is not pinned (you vouch for them)",
    )


def _running(group) -> None:
    """How models run, what is reused, and where results go."""
    group.addoption(
        "--harness-deadline",
        type=_positive_float,
        default=60.0,
        metavar="SECONDS",
        help="contracts: a model call that has not answered within SECONDS fails as a hang (default 60)",
    )
    group.addoption(
        "--harness-threads",
        type=_positive_int_of("threads"),
        default=os.cpu_count(),
        metavar="N",
        help=f"intra-op threads for torch and ONNX Runtime (default: all {os.cpu_count()} cores)",
    )
    group.addoption(
        "--harness-no-cache",
        action="store_true",
        default=False,
        help="compute every prediction again, reuse nothing cached (`harness cache clear` empties the cache)",
    )
    group.addoption("--harness-json", default=None, metavar="PATH", help="write every claim's verdict as JSON")
    group.addoption(
        "--harness-report",
        default=None,
        metavar="DIR",
        help="write verdicts.json, report.md and an accuracy-latency-size PNG into DIR",
    )
    group.addoption(
        "--harness-device",
        type=_device,
        default="cpu",
        metavar="cpu|cuda|cuda:N|auto",
        help="where torch and ONNX Runtime run (default cpu); a claim on a device that is not here is skipped "
        "(failed under --harness-strict); auto takes GPU 0 where a backend can use it",
    )
    group.addoption(
        "--harness-history",
        default=None,
        metavar="DIR",
        help="add this run to DIR: verdicts, revisions, git commit, libraries, machine and per-example results "
        "(`harness history DIR` shows the trend)",
    )
    group.addoption(
        "--harness-fail-on-regression",
        action="store_true",
        default=False,
        help="fail a claim whose per-example results got significantly worse than in the last run of "
        "--harness-history on the same rows",
    )
    group.addoption(
        "--harness-predictions",
        default=None,
        metavar="DIR",
        help="write each claim's per-example predictions to DIR as JSONL (`harness diff` names what flipped)",
    )
    group.addoption(
        "--harness-cache-dir",
        default=None,
        metavar="DIR",
        help="where replicas and exports are kept (default: $HARNESS_CACHE or ~/.cache/harness)",
    )


def _positive_int_of(what: str) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = 0
        if number <= 0:
            raise argparse.ArgumentTypeError(f"expected a positive whole number of {what}, found {value!r}")
        return number

    parse.__name__ = f"number of {what}"  # argparse names the type in its error
    return parse


def _positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not number > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, found {value!r}")
    return number


def _device(value: str) -> str:
    from harness.backends.devices import parse

    try:
        return parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _hub_value(value: str) -> str:
    try:
        return check_hub_value(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
