"""‹ 2/3 ›: under a message with several versions (regenerated answers, edited questions), which
one is shown, and buttons to the one before and after."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from ui.chat.action_button import action_button


class VersionSwitcher(QWidget):
    """Hidden while there is one version. Disabled (`set_busy`) while an answer is written.

    Signals:
        step_requested(int): -1 for the previous version, +1 for the next.
    """

    step_requested = Signal(int)

    def __init__(self, version: int, versions: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("versionSwitcher")
        self._version, self._versions = version, versions
        self._busy = False
        self.previous = action_button(self, "‹", self.tr("Previous version"))
        self.label = QLabel(f"{version}/{versions}", self)
        self.label.setObjectName("versionLabel")
        self.label.setToolTip(self.tr("Version {0} of {1}").format(version, versions))
        self.next = action_button(self, "›", self.tr("Next version"))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.previous)
        row.addWidget(self.label)
        row.addWidget(self.next)
        self.previous.clicked.connect(self._on_previous_clicked)
        self.next.clicked.connect(self._on_next_clicked)
        self.setVisible(versions > 1)
        self._update()

    def text(self) -> str:
        """What it shows, e.g. "2/3"."""
        return self.label.text()

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update()

    def _update(self) -> None:
        self.previous.setEnabled(not self._busy and self._version > 1)
        self.next.setEnabled(not self._busy and self._version < self._versions)

    @Slot()
    def _on_previous_clicked(self) -> None:
        self.step_requested.emit(-1)

    @Slot()
    def _on_next_clicked(self) -> None:
        self.step_requested.emit(1)
