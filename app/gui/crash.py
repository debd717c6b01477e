"""Unexpected exceptions: logged with their traceback, and shown in a dialog with the log's path
instead of the app vanishing. Expected failures are `AppError`s and never come here.

Bugs reach this module two ways: uncaught (the hooks `CrashReporter.install` sets), or caught at
a worker thread's edge by `reporting_bugs`, which lets the worker settle its request (so the
window is not left waiting) and still takes the crash path. Under tests `RAISE_BUGS` is set:
the bug is raised again, and the test fails.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox

from backend.errors import AppError

log = logging.getLogger("crash")

RAISE_BUGS = False  # the test suite sets it: a bug caught at a thread's edge fails the test
_reporter: CrashReporter | None = None


def report_bug(exc: BaseException) -> None:
    """A bug reached the edge of a thread: log it with its traceback and show the crash dialog
    (from any thread; the dialog opens on the GUI thread). Raised again under tests."""
    if _reporter is not None:
        _reporter.report(type(exc), exc, exc.__traceback__)
    else:
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(exc)))
    if RAISE_BUGS:
        raise exc


@contextmanager
def reporting_bugs(settle: Callable[[], None] | None = None) -> Iterator[None]:
    """Around the work of a thread's entry point (a worker slot): a bug is reported, then
    `settle` ends the request the work was for, so the window does not wait for it forever.

    `AppError`s are expected failures: handle them inside, where their message is shown.
    """
    try:
        yield
    except AppError:
        raise  # expected: the caller shows its message
    except Exception as exc:  # noqa: BLE001 - a thread's edge: every bug ends here, reported
        if settle is not None:
            settle()
        report_bug(exc)


def bug_notice() -> str:
    """What a request ended by a bug says where its result would have been."""
    return QCoreApplication.translate(
        "Crash", "An unexpected problem stopped this. The details are in the log.")


class CrashReporter(QObject):
    """Installs the hooks; the dialog always opens on the GUI thread.

    Signals:
        crashed(str): a one-line summary of an unexpected exception (any thread).
    """

    crashed = Signal(str)

    def __init__(self, log_path: Path) -> None:
        super().__init__()
        self.log_path = log_path
        self._box: QMessageBox | None = None
        self.crashed.connect(self._on_crashed)

    def install(self) -> None:
        global _reporter
        sys.excepthook = self._hook
        threading.excepthook = self._thread_hook
        _reporter = self

    def report(self, kind: type[BaseException], value: BaseException,
               tb: TracebackType | None) -> None:
        """Log a bug and show the dialog; safe from any thread."""
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(kind, value, tb)))
        self.crashed.emit(f"{kind.__name__}: {value}")

    def _hook(self, kind: type[BaseException], value: BaseException,
              tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QCoreApplication.quit()
            return
        self.report(kind, value, tb)

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self._hook(args.exc_type, args.exc_value, args.exc_traceback)

    @Slot(str)
    def _on_crashed(self, summary: str) -> None:
        if self._box is not None and self._box.isVisible():
            return  # one dialog at a time; everything is in the log anyway
        parent = QApplication.activeWindow()
        box = QMessageBox(QMessageBox.Icon.Critical,
                          self.tr("DeepSeek Local hit an unexpected problem"),
                          self.tr("Something went wrong that the app did not expect ({0}). "
                                  "Your conversations are saved. The details are in the log:\n{1}")
                          .format(summary[:300], self.log_path), QMessageBox.StandardButton.Ok,
                          parent)
        self._box = box
        box.open()
