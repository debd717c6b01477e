"""The small text buttons under and beside messages (Copy, Edit, Regenerate, ‹ ›): one look,
styled by the `messageAction` rule of the chat's stylesheet."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton, QWidget


def action_button(parent: QWidget, text: str, tip: str) -> QToolButton:
    button = QToolButton(parent)
    button.setObjectName("messageAction")
    button.setText(text)
    button.setToolTip(tip)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button
