"""Runs a server connection's test (Settings → Servers → Test) off the GUI thread.

The test lists the server's models and times the first token of a one-token answer
(`RemoteEngine.check`). It runs on a short-lived Python thread; the result comes back through
this object's signal, which Qt queues to receivers on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

from app.gui.crash import bug_notice, reporting_bugs
from backend.errors import AppError
from backend.remote.connections import Connection
from backend.remote.remote_engine import ConnectionCheck, RemoteEngine

log = logging.getLogger(__name__)


class ConnectionTester(QObject):
    """Lives on the GUI thread. Connect `finished` only to slots of GUI-thread objects.

    Signals:
        finished(str, str, bool): the connection's id, what the test found (or the error
            message), and whether it worked.
    """

    finished = Signal(str, str, bool)

    def __init__(self, parent: QObject | None = None, *,
                 check: Callable[[Connection], ConnectionCheck] | None = None) -> None:
        super().__init__(parent)
        self._check = check or (lambda connection: RemoteEngine(connection).check())

    @Slot(object)
    def test(self, connection: Connection) -> None:
        threading.Thread(target=self._run, args=(connection,), name="connection-test",
                         daemon=True).start()

    def _run(self, connection: Connection) -> None:
        with reporting_bugs(lambda: self._finish(connection, bug_notice(), False)):
            try:
                text, ok = str(self._check(connection)), True
            except AppError as exc:
                text, ok = str(exc), False
            self._finish(connection, text, ok)

    def _finish(self, connection: Connection, text: str, ok: bool) -> None:
        try:
            self.finished.emit(connection.id, text, ok)
        except RuntimeError:  # the dialog (and this object) went away meanwhile
            pass
