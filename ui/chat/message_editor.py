"""MessageEditor: a user's message turned into an inline editor, with Save & resend and Cancel."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from ui.growing_text import GrowingTextEdit


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
        self.text_edit = GrowingTextEdit(self, min_lines=2, max_lines=12,
                                         submit_on_enter=False)
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
