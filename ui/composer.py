"""The message composer: a growing multi-line input, Send/Stop, the Deep thinking toggle and,
for models whose chat template knows effort levels (DeepSeek-V4), the reasoning effort beside it."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QInputMethodEvent, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

_MAX_LINES = 8


class _Input(QPlainTextEdit):
    """Enter sends, Shift+Enter breaks the line; an IME composition keeps its own Enter.

    Signals:
        submitted(): Enter pressed outside an input-method composition.
        escape(): Esc pressed.
    """

    submitted = Signal()
    escape = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._composing = False
        self.setTabChangesFocus(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.document().documentLayout().documentSizeChanged.connect(self._fit_height)
        self._fit_height()

    def inputMethodEvent(self, event: QInputMethodEvent) -> None:
        # Chinese/Japanese input methods compose text first; Enter then commits, not sends.
        self._composing = bool(event.preeditString())
        super().inputMethodEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self._composing:
                return  # the input method's Enter picks the candidate: no line break, no send
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
            else:
                self.submitted.emit()
            return
        if key == Qt.Key.Key_Escape:
            self.escape.emit()
            return
        super().keyPressEvent(event)

    def _fit_height(self) -> None:
        """Grow with the text up to `_MAX_LINES` lines, then scroll."""
        lines = max(1, int(self.document().documentLayout().documentSize().height()))
        shown = min(lines, _MAX_LINES)
        policy = (Qt.ScrollBarPolicy.ScrollBarAsNeeded if lines > _MAX_LINES
                  else Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(policy)
        height = (shown * self.fontMetrics().lineSpacing()
                  + int(2 * self.document().documentMargin()) + 2 * self.frameWidth() + 4)
        self.setFixedHeight(height)


class Composer(QFrame):
    """Signals:
        send_requested(str): the text to send (never empty).
        stop_requested(): stop the answer being written.
        deep_thinking_toggled(bool): the user flipped Deep thinking.
        effort_changed(str): the user chose a reasoning effort ("high", "max"; "" the default).
    """

    send_requested = Signal(str)
    stop_requested = Signal()
    deep_thinking_toggled = Signal(bool)
    effort_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self._generating = False
        self._ready = True
        self.input = _Input(self)
        self.input.setPlaceholderText(self.tr("Message DeepSeek"))
        self.deep_thinking = QToolButton(self)
        self.deep_thinking.setObjectName("deepThinking")
        self.deep_thinking.setCheckable(True)
        self.deep_thinking.setText(self.tr("Deep thinking"))
        self.deep_thinking.setToolTip(self.tr("Let the model reason step by step before answering"))
        self.deep_thinking.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.effort = QComboBox(self)
        self.effort.setObjectName("reasoningEffort")
        self.effort.setToolTip(self.tr(
            "How hard the model thinks with Deep thinking on. Max effort reasons longest; it "
            "works best with a long context."))
        self.effort.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.effort.hide()  # only for models whose template knows effort levels
        self._effort_choice = ""  # the conversation's choice, kept when a model lacks it
        self.send = QPushButton(self.tr("Send"), self)
        self.send.setObjectName("send")
        self.send.setDefault(False)
        self.send.setAutoDefault(False)
        self.send.setMinimumSize(QSize(72, 32))

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.deep_thinking)
        row.addWidget(self.effort)
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
        self.deep_thinking.toggled.connect(self._on_deep_thinking_toggled)
        self.effort.activated.connect(self._on_effort_activated)
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
        self.effort.setEnabled(on)

    def set_effort_levels(self, levels: tuple[str, ...]) -> None:
        """The efforts the current model knows ("high", "max"); none hides the choice."""
        if levels == tuple(self.effort.itemData(i) for i in range(1, self.effort.count())):
            return
        self.effort.clear()
        self.effort.addItem(self.tr("Normal effort"), "")
        names = {"high": self.tr("High effort"), "max": self.tr("Max effort")}
        for level in levels:
            self.effort.addItem(names.get(level, level), level)
        self.effort.setVisible(bool(levels))
        self._show_effort()

    def set_effort(self, effort: str | None) -> None:
        """Show the conversation's effort without emitting `effort_changed`."""
        self._effort_choice = effort or ""
        self._show_effort()

    def reasoning_effort(self) -> str | None:
        """The effort chosen for the next answer, if the current model knows it."""
        known = bool(self._effort_choice) and self.effort.findData(self._effort_choice) > 0
        return self._effort_choice if known else None

    def _show_effort(self) -> None:
        index = self.effort.findData(self._effort_choice)
        self.effort.setCurrentIndex(max(index, 0))
        self.effort.setEnabled(self.deep_thinking.isChecked())

    def set_ready(self, ready: bool, reason: str = "") -> None:
        """Whether a message can be sent now (a model is loaded); `reason` says why not."""
        self.input.setPlaceholderText(self.tr("Message DeepSeek") if ready else reason)
        self.send.setProperty("ready", ready)
        self._ready = ready
        self._update_send()

    def text(self) -> str:
        return self.input.toPlainText()

    def set_text(self, text: str) -> None:
        self.input.setPlainText(text)

    # -- intents ------------------------------------------------------------------------------

    @Slot(bool)
    def _on_deep_thinking_toggled(self, on: bool) -> None:
        self.effort.setEnabled(on)  # effort only matters while the model thinks

    @Slot(int)
    def _on_effort_activated(self, index: int) -> None:
        self._effort_choice = str(self.effort.itemData(index) or "")
        self.effort_changed.emit(self._effort_choice)

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
