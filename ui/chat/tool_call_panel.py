"""ToolCallPanel: the tool calls a model tried to make, folded under its answer.

DeepSeek models sometimes write a tool call although the app offers no tools. The call is never
shown as raw markup: the answer says "The model tried to call a tool", and a click unfolds each
call's name and arguments, readable (indented JSON).
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from backend.chat.tool_calls import ToolCall


class ToolCallPanel(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolCallPanel")
        self._calls: list[ToolCall] = []
        self.toggle_button = QToolButton(self)
        self.toggle_button.setObjectName("toolCallToggle")
        self.toggle_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.toggle_button.clicked.connect(self._on_toggle_clicked)
        self.details = QLabel(self)
        self.details.setObjectName("toolCallDetails")
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.toggle_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.details)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self._refresh()

    def calls(self) -> tuple[ToolCall, ...]:
        return tuple(self._calls)

    def add_calls(self, calls: tuple[ToolCall, ...]) -> None:
        self._calls.extend(calls)
        self._refresh()

    def is_expanded(self) -> bool:
        return not self.details.isHidden()

    def set_expanded(self, expanded: bool) -> None:
        self.details.setVisible(expanded)
        self._refresh()

    def details_text(self) -> str:
        """What the unfolded panel says, as plain text (name, then the arguments)."""
        return "\n\n".join(f"{self._name(c)}\n{c.pretty_arguments()}" for c in self._calls)

    def _name(self, call: ToolCall) -> str:
        return call.name or self.tr("(no name)")

    def _refresh(self) -> None:
        count = len(self._calls)
        if count > 1:
            text = self.tr("The model tried to call {count} tools").format(count=count)
        else:
            text = self.tr("The model tried to call a tool")
        self.toggle_button.setText(text)
        self.toggle_button.setToolTip(self.tr(
            "This app runs no tools: nothing was called. Click to see what the model asked for."))
        self.toggle_button.setArrowType(Qt.ArrowType.DownArrow if self.is_expanded()
                                        else Qt.ArrowType.RightArrow)
        blocks = [
            f"<p><b>{html.escape(self._name(c))}</b></p>"
            f"<pre style='margin: 0 0 6px 0'>{html.escape(c.pretty_arguments())}</pre>"
            for c in self._calls
        ]
        self.details.setText("".join(blocks))

    @Slot()
    def _on_toggle_clicked(self) -> None:
        self.set_expanded(not self.is_expanded())
