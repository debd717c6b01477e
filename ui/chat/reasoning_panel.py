"""ReasoningPanel: the model's thinking above its answer, with a live timer, folding and copy.

Lifecycle: `begin()` starts the live header ("Thinking… 4.2 s", ticking ten times a second) with
the reasoning streaming in below, dimmed. `stop(fold=True)` (the answer has started) freezes the
time ("Thought for 12 s") and folds the text away unless the user keeps reasoning expanded; a click
on the header unfolds it again. A saved message comes back through `set_reasoning()`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.chat.action_button import action_button
from ui.markdown.markdown_view import MarkdownView

Clock = Callable[[], float]
TICK_MS = 200  # the live "Thinking… 4.2 s": five updates a second are enough to read
COPIED_FEEDBACK_MS = 1500


def format_duration(seconds: float) -> str:
    """4.2 s under ten seconds, 12 s under a minute, then 1 min 5 s."""
    seconds = max(0.0, seconds)
    if round(seconds, 1) < 10:
        return QCoreApplication.translate("ReasoningPanel", "{seconds:.1f} s").format(
            seconds=seconds)
    total = round(seconds)
    if total < 60:
        return QCoreApplication.translate("ReasoningPanel", "{seconds} s").format(seconds=total)
    minutes, rest = divmod(total, 60)
    if rest:
        return QCoreApplication.translate(
            "ReasoningPanel", "{minutes} min {seconds} s").format(minutes=minutes, seconds=rest)
    return QCoreApplication.translate("ReasoningPanel", "{minutes} min").format(minutes=minutes)


class ReasoningPanel(QFrame):
    """Signals:
        expanded_changed(bool): the reasoning text was unfolded (True) or folded (False).
    """

    expanded_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None, *, clock: Clock = time.monotonic,
                 keep_expanded: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("reasoningPanel")
        self._clock = clock
        self._keep_expanded = keep_expanded
        self._live = False
        self._started_at: float | None = None
        self._seconds: float | None = None
        self._expanded = False

        self.toggle_button = QToolButton(self)
        self.toggle_button.setObjectName("reasoningToggle")
        self.toggle_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.toggle_button.clicked.connect(self._on_toggle_clicked)
        self.copy_button = action_button(self, self.tr("Copy"), self.tr("Copy the reasoning"))
        self.copy_button.clicked.connect(self._on_copy_clicked)
        self.copy_button.hide()  # shown with the text

        # The text is rendered only once it is shown: most saved reasoning stays folded.
        self.view: MarkdownView | None = None
        self.body: QFrame | None = None
        self._text = ""

        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.setSpacing(6)
        header.addWidget(self.toggle_button)
        header.addStretch(1)
        header.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(header)
        self._layout = layout
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)

        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._refresh()

    # -- state for the app and for tests ------------------------------------------------------

    def header_text(self) -> str:
        if self._live and self._started_at is not None:
            return self.tr("Thinking… {duration}").format(
                duration=format_duration(self._clock() - self._started_at))
        if self._seconds is not None:
            return self.tr("Thought for {duration}").format(
                duration=format_duration(self._seconds))
        return self.tr("Thoughts")

    def is_expanded(self) -> bool:
        return self._expanded

    def is_live(self) -> bool:
        return self._live

    def reasoning_text(self) -> str:
        return self.view.markdown() if self.view is not None else self._text

    def thinking_seconds(self) -> float | None:
        return self._seconds

    # -- changes -----------------------------------------------------------------------------

    def begin(self) -> None:
        """The model started reasoning: run the live timer, show the text as it comes."""
        self._live = True
        self._started_at = self._clock()
        self._seconds = None
        self._timer.start()
        self._set_expanded(True)
        self._refresh()

    def resume(self) -> None:
        """The model goes on thinking (Continue): live again, its time running on from the
        time it had, the text streaming on below what it wrote."""
        already = self._seconds or 0.0
        self._live = True
        self._started_at = self._clock() - already
        self._seconds = None
        self._timer.start()
        self._set_expanded(True)
        if self.view is not None:
            self.view.resume_streaming()
        self._refresh()

    def append(self, text: str) -> None:
        if not self._live and self._started_at is None:
            self.begin()
        self._ensure_view().append_markdown(text)

    def set_reasoning(self, text: str, seconds: float | None) -> None:
        """A finished reasoning (a saved message): folded unless kept expanded."""
        self._timer.stop()
        self._live = False
        self._started_at = None
        self._seconds = seconds
        self._text = text
        if self.view is not None:
            self.view.set_markdown(text)
        self._set_expanded(self._keep_expanded)
        self._refresh()

    def stop(self, *, fold: bool) -> None:
        """Reasoning ended: freeze the time; `fold` (the answer began) folds the text away."""
        if self._live and self._started_at is not None:
            self._seconds = self._clock() - self._started_at
        self._live = False
        self._timer.stop()
        if self.view is not None:
            self.view.finish()
        if fold and not self._keep_expanded:
            self._set_expanded(False)
        self._refresh()

    def set_seconds(self, seconds: float) -> None:
        self._seconds = seconds
        self._refresh()

    def set_keep_expanded(self, keep: bool) -> None:
        """The preference: keep reasoning unfolded. Turning it off folds finished reasoning."""
        self._keep_expanded = keep
        if keep:
            self._set_expanded(True)
        elif not self._live:
            self._set_expanded(False)
        self._refresh()

    def set_expanded(self, expanded: bool) -> None:
        self._set_expanded(expanded)
        self._refresh()

    def _set_expanded(self, expanded: bool) -> None:
        if expanded:
            self._ensure_view()
        if self.body is not None:
            self.body.setVisible(expanded)
        self.copy_button.setVisible(expanded)
        if expanded != self._expanded:
            self._expanded = expanded
            self.expanded_changed.emit(expanded)

    def _ensure_view(self) -> MarkdownView:
        if self.view is None:
            self.body = QFrame(self)
            self.body.setObjectName("reasoningBody")
            body_layout = QHBoxLayout(self.body)
            body_layout.setContentsMargins(14, 2, 0, 4)
            self.view = MarkdownView(self.body)
            self.view.setObjectName("reasoningText")
            self._dim_text()
            if self._text:
                self.view.set_markdown(self._text)
            body_layout.addWidget(self.view)
            self._layout.addWidget(self.body)
            self.body.setVisible(self._expanded)
        return self.view

    def _refresh(self) -> None:
        self.toggle_button.setText(self.header_text())
        self.toggle_button.setArrowType(Qt.ArrowType.DownArrow if self._expanded
                                        else Qt.ArrowType.RightArrow)
        self.toggle_button.setToolTip(self.tr("Hide the reasoning") if self._expanded
                                      else self.tr("Show the reasoning"))

    def _dim_text(self) -> None:
        if self.view is None:
            return
        palette = QPalette(self.view.palette())
        muted = self.palette().color(QPalette.ColorRole.PlaceholderText)
        palette.setColor(QPalette.ColorRole.Text, muted)
        self.view.setPalette(palette)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._dim_text()

    # -- slots -------------------------------------------------------------------------------

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.toggle_button.setText(self.header_text())

    @Slot()
    def _on_toggle_clicked(self) -> None:
        self.set_expanded(not self._expanded)

    @Slot()
    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.reasoning_text())
        self.copy_button.setText(self.tr("Copied"))
        QTimer.singleShot(COPIED_FEEDBACK_MS, self, self._on_copied_feedback_done)

    @Slot()
    def _on_copied_feedback_done(self) -> None:
        self.copy_button.setText(self.tr("Copy"))
