"""The status bar's API server item: the URL other programs use, a Copy button, and "Serving a
request…" while one runs. Hidden while the server is off."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

COPIED_FEEDBACK_MS = 1500


class ServerStatus(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("serverStatus")
        self._url = ""
        self.address = QLabel(self)
        self.address.setObjectName("serverAddress")
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QToolButton(self)
        self.copy_button.setObjectName("serverCopy")
        self.copy_button.setText(self.tr("Copy"))
        self.copy_button.setToolTip(self.tr("Copy the server's address"))
        self.copy_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.activity = QLabel(self)
        self.activity.setObjectName("serverActivity")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.setSpacing(6)
        layout.addWidget(self.address)
        layout.addWidget(self.copy_button)
        layout.addWidget(self.activity)
        self.copy_button.clicked.connect(self._on_copy_clicked)
        self.hide()

    def url(self) -> str:
        return self._url

    def show_running(self, url: str, tooltip: str = "") -> None:
        """The server answers at `url`."""
        self._url = url
        self.address.setText(self.tr("API: {0}").format(url))
        self.address.setToolTip(tooltip or self.tr(
            "Other programs can use the loaded model at this OpenAI-compatible address"))
        self.address.setProperty("error", False)
        self._restyle()
        self.copy_button.show()
        self.show()

    def show_error(self, text: str) -> None:
        """The server is on in Settings but could not start."""
        self._url = ""
        self.address.setText(self.tr("API server off"))
        self.address.setToolTip(text)
        self.address.setProperty("error", True)
        self._restyle()
        self.copy_button.hide()
        self.activity.setText("")
        self.show()

    def show_off(self) -> None:
        self._url = ""
        self.activity.setText("")
        self.hide()

    def set_activity(self, active: int) -> None:
        """How many server requests run or wait (0: none)."""
        if active <= 0:
            self.activity.setText("")
        elif active == 1:
            self.activity.setText(self.tr("Serving a request…"))
        else:
            self.activity.setText(self.tr("Serving a request… ({0} waiting)").format(active - 1))

    def _restyle(self) -> None:
        self.address.style().unpolish(self.address)
        self.address.style().polish(self.address)

    @Slot()
    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self._url)
        self.copy_button.setText(self.tr("Copied"))
        QTimer.singleShot(COPIED_FEEDBACK_MS, self._on_copied_feedback_done)

    @Slot()
    def _on_copied_feedback_done(self) -> None:
        self.copy_button.setText(self.tr("Copy"))
