"""Tasks turn dataset rows into model inputs and model outputs into predictions and scores.

Adding a task is one module here and one line in ``TASKS``; the module is imported when a claim of
that task is checked, so the table costs nothing to load.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from harness.errors import NotSupported

if TYPE_CHECKING:
    from harness.tasks.base import Task

TASKS: dict[str, str] = {
    "text-classification": "harness.tasks.classification:SINGLE_TEXT",
    "text-pair-classification": "harness.tasks.classification:TEXT_PAIR",
    "question-answering": "harness.tasks.qa:EXTRACTIVE_QA",
    "token-classification": "harness.tasks.tokens:TOKEN_CLASSIFICATION",
}


def task_of(name: str) -> Task:
    """The task called ``name``; NotSupported (skipped, failed when strict) for one this harness lacks."""
    if name not in TASKS:
        raise NotSupported(
            f"task {name!r} has no implementation in this version of harness (it has: {', '.join(TASKS)})"
        )
    module, attr = TASKS[name].split(":")
    return getattr(importlib.import_module(module), attr)
