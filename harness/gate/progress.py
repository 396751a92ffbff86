"""Progress of a long evaluation on the terminal: examples done, examples per second, time left."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any


class _TerminalFile:
    """A file for tqdm that writes to pytest's terminal while the test's output is captured.

    Capture is suspended around each write, as pytest's own live logging does.
    """

    def __init__(self, reporter: Any, capture: Any) -> None:
        self._writer = reporter._tw  # pytest's TerminalWriter
        self._capture = capture  # pytest's CaptureManager, or None with -s

    def write(self, text: str) -> None:
        with self._uncaptured():
            self._writer.write_raw(text, flush=True)

    def flush(self) -> None:
        self._writer.flush()

    def isatty(self) -> bool:
        # While capture is on, the terminal's file descriptor points at a temporary file.
        with self._uncaptured():
            file = getattr(self._writer, "_file", None)
            return bool(file is not None and getattr(file, "isatty", lambda: False)())

    def _uncaptured(self):
        return self._capture.global_and_fixture_disabled() if self._capture else contextlib.nullcontext()


def terminal_progress(reporter: Any, capture: Any) -> Callable[[str, int], Any]:
    """A factory of tqdm bars on the terminal; on a non-terminal (a CI log) bars stay silent."""
    from tqdm import tqdm

    stream = _TerminalFile(reporter, capture)

    def start(description: str, total: int):
        return tqdm(
            total=total, desc=description, unit="ex", file=stream, leave=False, dynamic_ncols=True,
            disable=not stream.isatty(), mininterval=0.5,
        )  # fmt: skip

    return start
