"""Progress bars reach the terminal with capture suspended, and stay silent where there is no terminal."""

from __future__ import annotations

import contextlib
import io

from harness.gate.progress import terminal_progress


class FakeWriter:
    def __init__(self, tty: bool) -> None:
        self._file = io.StringIO()
        self._file.isatty = lambda: tty  # type: ignore[method-assign]
        self.written: list[tuple[str, bool]] = []
        self.capture = None

    def write_raw(self, text: str, *, flush: bool = False) -> None:
        self.written.append((text, self.capture.suspended))

    def flush(self) -> None:
        pass


class FakeCapture:
    suspended = False

    @contextlib.contextmanager
    def global_and_fixture_disabled(self):
        self.suspended = True
        try:
            yield
        finally:
            self.suspended = False


class Reporter:
    def __init__(self, writer: FakeWriter) -> None:
        self._tw = writer


def bar_output(tty: bool) -> list[tuple[str, bool]]:
    writer, capture = FakeWriter(tty), FakeCapture()
    writer.capture = capture
    bar = terminal_progress(Reporter(writer), capture)("clinc-accuracy [torch]", 3100)
    bar.update(3100)
    bar.close()
    return writer.written


def test_a_terminal_sees_examples_rate_and_eta_written_outside_capture():
    written = bar_output(tty=True)
    text = "".join(t for t, _ in written)
    assert "clinc-accuracy [torch]" in text and "/3100" in text and "ex/s" in text
    assert all(suspended for _, suspended in written)


def test_a_log_that_is_no_terminal_gets_no_bar():
    assert bar_output(tty=False) == []
