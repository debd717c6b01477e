"""The conversation's header, above the chat: its title, and its system prompt and sampling as two
quiet buttons that open the conversation's settings."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget


class ConversationHeader(QFrame):
    """Signals:
        edit_requested(): change this conversation's system prompt or sampling.
    """

    edit_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversationHeader")
        self.title = QLabel(self)
        self.title.setObjectName("conversationTitle")
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.system_button = QToolButton(self)
        self.system_button.setObjectName("systemPromptButton")
        self.sampling_button = QToolButton(self)
        self.sampling_button.setObjectName("samplingButton")
        for button in (self.system_button, self.sampling_button):
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(self.edit_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(20, 4, 14, 4)
        layout.setSpacing(4)
        layout.addWidget(self.title, 1)
        layout.addWidget(self.system_button)
        layout.addWidget(self.sampling_button)

    def show_conversation(self, title: str, system: str, system_tip: str, sampling: str,
                          sampling_tip: str) -> None:
        """What the header says: the title, and the two summaries with their tooltips."""
        self.title.setText(title)
        self.title.setToolTip(title)
        self.system_button.setText(system)
        self.system_button.setToolTip(system_tip)
        self.sampling_button.setText(sampling)
        self.sampling_button.setToolTip(sampling_tip)
