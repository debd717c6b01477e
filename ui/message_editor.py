"""MessageEditor: a user's message turned into an inline editor, with Save & resend and Cancel."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)


class MessageEditor(QFrame):
    """The inline editor of a user message.

    Signals:
        saved(str): Save & resend (or Ctrl+Enter) with the edited text.
        cancelled(): Cancel (or Esc).
    """

    saved = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageEditor")
        self.text_edit = _EditorText(self)
        self.text_edit.setObjectName("messageEditorText")
        self.text_edit.submitted.connect(self._on_save_clicked)
        self.text_edit.escape.connect(self.cancelled)
        self.text_edit.textChanged.connect(self._on_text_changed)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setObjectName("secondaryButton")
        self.cancel_button.clicked.connect(self.cancelled)
        self.save_button = QPushButton(self.tr("Save && resend"), self)
        self.save_button.setObjectName("primaryButton")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self._on_save_clicked)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        layout.addWidget(self.text_edit)
        layout.addLayout(buttons)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self._busy = False

    def set_busy(self, busy: bool) -> None:
        """While an answer is being generated the edit cannot be sent."""
        self._busy = busy
        self._on_text_changed()

    @Slot()
    def _on_text_changed(self) -> None:
        self.save_button.setEnabled(bool(self.text_edit.toPlainText().strip()) and not self._busy)

    @Slot()
    def _on_save_clicked(self) -> None:
        if self.save_button.isEnabled():
            self.saved.emit(self.text_edit.toPlainText())


class _EditorText(QPlainTextEdit):
    """Ctrl+Enter saves, Esc cancels; grows with its text up to a dozen lines.

    Signals:
        submitted(): Ctrl+Enter.
        escape(): Esc.
    """

    submitted = Signal()
    escape = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setTabChangesFocus(True)
        self.document().documentLayout().documentSizeChanged.connect(self._fit_height)
        self._fit_height()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.submitted.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.escape.emit()
            return
        super().keyPressEvent(event)

    @Slot()
    def _fit_height(self) -> None:
        line = self.fontMetrics().lineSpacing()
        lines = max(2, min(12, int(self.document().size().height())))
        margins = self.contentsMargins()
        self.setFixedHeight(lines * line + int(2 * self.document().documentMargin())
                            + margins.top() + margins.bottom())
