"""One app per profile: a second launch hands its arguments to the running one and exits.

The running app listens on a local socket named after its data folder (so `--data-dir` profiles
stay independent); a new launch that can connect sends its arguments as one JSON line, and the
running app raises its window (and opens the model file it was given, if any).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

_TIMEOUT_MS = 300


def server_name(data_dir: Path) -> str:
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return f"deepseek-local-{digest}"


def hand_over(data_dir: Path, args: list[str]) -> bool:
    """True if another instance is running for `data_dir` and took `args`."""
    socket = QLocalSocket()
    socket.connectToServer(server_name(data_dir))
    if not socket.waitForConnected(_TIMEOUT_MS):
        return False
    socket.write((json.dumps({"args": args}) + "\n").encode())
    socket.flush()
    socket.waitForBytesWritten(_TIMEOUT_MS)
    socket.disconnectFromServer()
    return True


class InstanceServer(QObject):
    """Listens for later launches.

    Signals:
        activated(list): a later launch's arguments; raise the window and act on them.
    """

    activated = Signal(list)

    def __init__(self, data_dir: Path) -> None:
        super().__init__()
        self.server = QLocalServer(self)
        name = server_name(data_dir)
        if not self.server.listen(name):
            QLocalServer.removeServer(name)  # a stale socket left by a crash
            if not self.server.listen(name):
                log.warning("single-instance server unavailable: %s", self.server.errorString())
        if self.server.isListening():
            log.info("listening for later launches")
        self.server.newConnection.connect(self._on_server_new_connection)

    @Slot()
    def _on_server_new_connection(self) -> None:
        while (socket := self.server.nextPendingConnection()) is not None:
            socket.readyRead.connect(self._make_reader(socket))

    def _make_reader(self, socket: QLocalSocket) -> Callable[[], None]:
        def read() -> None:
            if not socket.canReadLine():
                return
            try:
                message = json.loads(bytes(socket.readLine().data()).decode())
                args = [str(a) for a in message.get("args", [])]
            except (ValueError, AttributeError):
                args = []
            self.activated.emit(args)
            socket.disconnectFromServer()
            socket.deleteLater()

        return read

    def close(self) -> None:
        self.server.close()
