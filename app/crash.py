"""Unexpected exceptions: logged with their traceback, and shown in a dialog with the log's path
instead of the app vanishing. Expected failures are `AppError`s and never come here."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox

log = logging.getLogger("crash")


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
        sys.excepthook = self._hook
        threading.excepthook = self._thread_hook

    def _hook(self, kind: type[BaseException], value: BaseException,
              tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QCoreApplication.quit()
            return
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(kind, value, tb)))
        self.crashed.emit(f"{kind.__name__}: {value}")

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
