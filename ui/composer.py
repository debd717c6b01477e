"""The message composer: a growing multi-line input, Send/Stop, and the Deep thinking toggle."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.growing_text import GrowingTextEdit


class Composer(QFrame):
    """Signals:
        send_requested(str): the text to send (never empty).
        stop_requested(): stop the answer being written.
        deep_thinking_toggled(bool): the user flipped Deep thinking.
    """

    send_requested = Signal(str)
    stop_requested = Signal()
    deep_thinking_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self._generating = False
        self._ready = True
        self.input = GrowingTextEdit(self, max_lines=8, submit_on_enter=True)
        self.input.setPlaceholderText(self.tr("Message DeepSeek"))
        self.deep_thinking = QToolButton(self)
        self.deep_thinking.setObjectName("deepThinking")
        self.deep_thinking.setCheckable(True)
        self.deep_thinking.setText(self.tr("Deep thinking"))
        self.deep_thinking.setToolTip(self.tr("Let the model reason step by step before answering"))
        self.deep_thinking.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.send = QPushButton(self.tr("Send"), self)
        self.send.setObjectName("send")
        self.send.setDefault(False)
        self.send.setAutoDefault(False)
        self.send.setMinimumSize(QSize(72, 32))

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.deep_thinking)
        row.addStretch(1)
        row.addWidget(self.send)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        layout.addWidget(self.input)
        layout.addLayout(row)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        self.input.submitted.connect(self._on_input_submitted)
        self.input.escape.connect(self._on_input_escape)
        self.send.clicked.connect(self._on_send_clicked)
        self.deep_thinking.toggled.connect(self.deep_thinking_toggled)
        self.input.textChanged.connect(self._update_send)
        self._update_send()

    # -- values from the app --------------------------------------------------------------------

    def set_generating(self, generating: bool) -> None:
        """While an answer is written the Send button is a Stop button."""
        self._generating = generating
        self.send.setText(self.tr("Stop") if generating else self.tr("Send"))
        self.send.setProperty("stop", generating)
        self.send.style().unpolish(self.send)
        self.send.style().polish(self.send)
        self._update_send()

    def set_deep_thinking(self, on: bool) -> None:
        """Show the toggle's state without emitting `deep_thinking_toggled`."""
        blocked = self.deep_thinking.blockSignals(True)
        self.deep_thinking.setChecked(on)
        self.deep_thinking.blockSignals(blocked)

    def set_ready(self, ready: bool, reason: str = "") -> None:
        """Whether a message can be sent now (a model is loaded); `reason` says why not."""
        self.input.setPlaceholderText(self.tr("Message DeepSeek") if ready else reason)
        # QPlainTextEdit repaints only when the placeholder appears or disappears, not when a
        # shown one changes its text: without this the box reads "Loading the model…" until
        # the next paint (a key press, a resize).
        self.input.viewport().update()
        self.send.setProperty("ready", ready)
        self._ready = ready
        self._update_send()

    def text(self) -> str:
        return self.input.toPlainText()

    def set_text(self, text: str) -> None:
        self.input.setPlainText(text)

    # -- intents ------------------------------------------------------------------------------

    def _on_input_submitted(self) -> None:
        if self._generating:
            return
        self._send()

    def _on_input_escape(self) -> None:
        if self._generating:
            self.stop_requested.emit()

    def _on_send_clicked(self) -> None:
        if self._generating:
            self.stop_requested.emit()
        else:
            self._send()

    def _send(self) -> None:
        text = self.input.toPlainText().strip()
        if not text or not self._ready:
            return
        self.input.clear()
        self.send_requested.emit(text)

    def _update_send(self) -> None:
        has_text = bool(self.input.toPlainText().strip())
        self.send.setEnabled(self._generating or (self._ready and has_text))
