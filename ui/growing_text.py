"""A plain-text input that grows with its text, line by line, up to a limit, then scrolls; Enter
and Esc are turned into intents. The composer and the inline message editor both use it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QInputMethodEvent, QKeyEvent
from PySide6.QtWidgets import QFrame, QPlainTextEdit, QWidget


class GrowingTextEdit(QPlainTextEdit):
    """`submit_on_enter`: Enter submits and Shift+Enter breaks the line (the composer);
    otherwise Ctrl+Enter submits and Enter breaks the line (the message editor). Either way an
    input method's Enter commits its candidate and never submits.

    Signals:
        submitted(): the user asked to send.
        escape(): Esc pressed.
    """

    submitted = Signal()
    escape = Signal()

    def __init__(self, parent: QWidget | None = None, *, min_lines: int = 1,
                 max_lines: int = 8, submit_on_enter: bool = True) -> None:
        super().__init__(parent)
        self._min_lines, self._max_lines = min_lines, max_lines
        self._submit_on_enter = submit_on_enter
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
            modifiers = event.modifiers()
            if self._submit_on_enter:
                submit = not modifiers & Qt.KeyboardModifier.ShiftModifier
            else:
                submit = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
            if submit:
                self.submitted.emit()
            else:
                self.insertPlainText("\n")
            return
        if key == Qt.Key.Key_Escape:
            self.escape.emit()
            return
        super().keyPressEvent(event)

    @Slot()
    def _fit_height(self) -> None:
        """As tall as the text, between the line limits; a scroll bar only past the maximum."""
        lines = max(1, int(self.document().documentLayout().documentSize().height()))
        shown = max(self._min_lines, min(lines, self._max_lines))
        policy = (Qt.ScrollBarPolicy.ScrollBarAsNeeded if lines > self._max_lines
                  else Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(policy)
        margins = self.contentsMargins()
        self.setFixedHeight(shown * self.fontMetrics().lineSpacing()
                            + int(2 * self.document().documentMargin())
                            + margins.top() + margins.bottom() + 4)
