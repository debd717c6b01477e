"""ChatView: the conversation in the middle of the window, a scrolling column of messages.

The app drives it with values (`MessageView`) and streamed text; it emits what the user asks for
(regenerate, edit and resend). It renders each call at once: the app batches streamed tokens
(every ~30-50 ms) before calling `append_answer` / `append_reasoning`. While streaming it follows
the bottom of the conversation only if the user was already there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence

from PySide6.QtCore import QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QPalette, QResizeEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from backend.chat.messages import MessageState
from ui.chat.message_widget import MessageWidget
from ui.chat.view_models import MessageView
from ui.theme import tones

log = logging.getLogger(__name__)

Clock = Callable[[], float]
COLUMN_MAX_WIDTH = 820  # readable line length on wide windows
SIDE_MARGIN = 24
BOTTOM_SLACK = 8  # pixels from the bottom that still count as "at the bottom"
BUILT_MESSAGES = 24  # built when a conversation opens; older ones as the user scrolls up
OLDER_BATCH = 12
EAGER_MESSAGES = 6  # rendered at once; the other built ones follow in slices of ~12 ms
RENDER_SLICE_S = 0.012
ANCHOR_HOLD_MS = 400


class ChatView(QScrollArea):
    """Signals:
        regenerate_requested(str): the user asked to write this assistant message again (its id).
        edit_requested(str, str): the user edited a message of theirs and resends it (id, text).
        version_requested(str, int): show another version of a message (id, -1 or +1).
        continue_requested(str): the user asked the last answer, which stopped while thinking,
            to go on (its id).
    """

    regenerate_requested = Signal(str)
    edit_requested = Signal(str, str)
    version_requested = Signal(str, int)
    continue_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, clock: Clock = time.monotonic) -> None:
        super().__init__(parent)
        self.setObjectName("chatView")
        self._clock = clock
        self._widgets: dict[str, MessageWidget] = {}  # built messages, oldest first
        self._older: list[MessageView] = []  # not built yet: above the built ones
        self._pending: list[MessageWidget] = []  # shown as plain text for now, newest first
        self._generating = False
        self._keep_reasoning_expanded = False
        self._stick_to_bottom = True
        self._anchor: tuple[MessageWidget, int] | None = None
        self._adjusting = False  # the view itself is moving the scroll bar
        self._css = ""

        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.viewport().setBackgroundRole(QPalette.ColorRole.Base)
        self._column = QWidget()
        self._column.setObjectName("chatColumn")
        self._list = QVBoxLayout(self._column)
        self._list.setSpacing(22)
        self._list.addStretch(1)
        self._set_side_margins()
        self.setWidget(self._column)
        self._render_timer = QTimer(self)
        self._render_timer.setInterval(0)
        self._render_timer.timeout.connect(self._on_render_timer_timeout)
        self._older_timer = QTimer(self)
        self._older_timer.setSingleShot(True)
        self._older_timer.setInterval(0)
        self._older_timer.timeout.connect(self._on_older_timer_timeout)
        # Text reflows over a few layout passes after messages above change: hold the anchor
        # until things settle (or the user scrolls).
        self._anchor_timer = QTimer(self)
        self._anchor_timer.setSingleShot(True)
        self._anchor_timer.setInterval(ANCHOR_HOLD_MS)
        self._anchor_timer.timeout.connect(self._on_anchor_timer_timeout)
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self._on_scrollbar_range_changed)
        bar.valueChanged.connect(self._on_scrollbar_value_changed)
        self._restyle()

    # -- whole conversations -----------------------------------------------------------------

    def set_messages(self, messages: Sequence[MessageView]) -> None:
        """Show a whole conversation (switching conversations), scrolled to its end.

        Only the last messages are built at once, and only the last few of those rendered:
        the others show their text plain for a moment and are rendered in short slices,
        between other events. Older messages are built as the user scrolls up to them.
        """
        self._pending.clear()
        self._anchor = None
        self._older_timer.stop()
        self.setUpdatesEnabled(False)
        try:
            for widget in self._widgets.values():
                widget.hide()
                widget.deleteLater()
            self._widgets.clear()
            cut = max(0, len(messages) - BUILT_MESSAGES)
            self._older = list(messages[:cut])
            eager_from = len(messages) - EAGER_MESSAGES
            for index in range(cut, len(messages)):
                widget = self._build(messages[index], defer_render=index < eager_from)
                widget.set_can_continue(messages[index].can_continue
                                        and index == len(messages) - 1)  # the last answer only
                self._list.insertWidget(self._list.count() - 1, widget)
                widget.show()
        finally:
            self.setUpdatesEnabled(True)
        self._queue_rendering(reversed(self._widgets.values()))
        self._scroll_to_bottom()

    def add_message(self, message: MessageView) -> None:
        """Append one message; the user's own new message always brings the view down."""
        for earlier in self._widgets.values():
            earlier.set_can_continue(False)  # only the last answer can go on
        widget = self._build(message)
        self._list.insertWidget(self._list.count() - 1, widget)
        widget.show()
        if message.is_user:
            self._scroll_to_bottom()

    def replace_from(self, message_id: str, messages: Sequence[MessageView]) -> None:
        """Show `messages` in place of this message and every one after it (another version was
        chosen, or a new one is being written). What is above stays, and so does the view."""
        self.message_widget(message_id)  # built first if the user has not scrolled up to it
        ids = list(self._widgets)
        for old in ids[ids.index(message_id):]:
            widget = self._widgets.pop(old)
            if widget in self._pending:
                self._pending.remove(widget)
            widget.hide()
            widget.deleteLater()
        for message in messages:
            widget = self._build(message)
            self._list.insertWidget(self._list.count() - 1, widget)
            widget.show()

    def message_widget(self, message_id: str) -> MessageWidget:
        """The widget of a message, built first if the user has not scrolled up to it yet."""
        if message_id not in self._widgets:
            index = next((i for i, m in enumerate(self._older) if m.id == message_id), None)
            if index is None:
                raise KeyError(message_id)
            self._build_older(len(self._older) - index)
        return self._widgets[message_id]

    def message_ids(self) -> list[str]:
        return [m.id for m in self._older] + list(self._widgets)

    def is_rendering(self) -> bool:
        """Whether built messages still wait to be rendered (they show plain text meanwhile)."""
        return bool(self._pending)

    def flush_rendering(self) -> None:
        """Render every built message that still waits its turn, now."""
        self._anchor_scroll_position()
        while self._pending:
            self._pending.pop(0).render_deferred()
        self._render_timer.stop()

    def _build(self, message: MessageView, *, defer_render: bool = False) -> MessageWidget:
        if message.id in self._widgets:
            raise ValueError(f"message {message.id!r} is already shown")
        widget = MessageWidget(message, self._column, clock=self._clock,
                               keep_reasoning_expanded=self._keep_reasoning_expanded,
                               generating=self._generating, defer_render=defer_render)
        widget.regenerate_requested.connect(self.regenerate_requested)
        widget.edit_requested.connect(self.edit_requested)
        widget.version_requested.connect(self.version_requested)
        widget.continue_requested.connect(self.continue_requested)
        self._widgets[message.id] = widget
        return widget

    def _build_older(self, count: int) -> None:
        """Build the `count` messages just above the built ones, keeping what the user sees."""
        if not self._older or count <= 0:
            return
        self._anchor_scroll_position()
        batch = self._older[-count:]
        del self._older[-count:]
        built = dict(self._widgets)
        self._widgets.clear()
        new = [self._build(message, defer_render=True) for message in batch]
        self._widgets.update(built)
        for index, widget in enumerate(new):
            self._list.insertWidget(index, widget)
            widget.show()
        self._queue_rendering(reversed(new))

    def _queue_rendering(self, widgets: Iterable[MessageWidget]) -> None:
        self._pending.extend(w for w in widgets if w.has_deferred_render())
        if self._pending:
            self._render_timer.start()

    @Slot()
    def _on_render_timer_timeout(self) -> None:
        self._anchor_scroll_position()
        deadline = time.perf_counter() + RENDER_SLICE_S
        while self._pending and time.perf_counter() < deadline:
            self._pending.pop(0).render_deferred()
        if not self._pending:
            self._render_timer.stop()

    @Slot()
    def _on_older_timer_timeout(self) -> None:
        if self._older and self.verticalScrollBar().value() < self.viewport().height():
            self._build_older(OLDER_BATCH)

    # -- streaming ---------------------------------------------------------------------------

    def begin_reasoning(self, message_id: str) -> None:
        if (widget := self._find(message_id)) is not None:
            widget.begin_reasoning()

    def set_waiting(self, message_id: str, text: str) -> None:
        """The answer waits for its turn: say why (empty text: it no longer waits)."""
        if (widget := self._find(message_id)) is not None:
            widget.set_waiting(text)

    def append_reasoning(self, message_id: str, text: str) -> None:
        if (widget := self._find(message_id)) is not None:
            widget.append_reasoning(text)

    def append_answer(self, message_id: str, text: str) -> None:
        """Add answer text; the first call folds the reasoning and freezes its time."""
        if (widget := self._find(message_id)) is not None:
            widget.append_answer(text)

    def finish_message(self, message_id: str, *, state: MessageState, stats_text: str = "",
                       notice: str = "", thinking_seconds: float | None = None,
                       can_continue: bool = False) -> None:
        if (widget := self._find(message_id)) is not None:
            widget.finish(state, stats_text=stats_text, notice=notice,
                          thinking_seconds=thinking_seconds, can_continue=can_continue)

    def resume_message(self, message_id: str) -> None:
        """A finished answer is written further (Continue): it streams again."""
        if (widget := self._find(message_id)) is not None:
            widget.resume()

    def _find(self, message_id: str) -> MessageWidget | None:
        widget = self._widgets.get(message_id)
        if widget is None:
            # Late text for a conversation the user has left: nothing to show.
            log.debug("no message %s in the chat view", message_id)
        return widget

    # -- preferences and modes ---------------------------------------------------------------

    def set_generating(self, busy: bool) -> None:
        """While an answer is being generated, Regenerate and Edit are disabled."""
        self._generating = busy
        for widget in self._widgets.values():
            widget.set_generating(busy)

    def set_reasoning_expanded(self, expanded: bool) -> None:
        """The preference: keep reasoning panels expanded after the answer starts."""
        self._keep_reasoning_expanded = expanded
        for widget in self._widgets.values():
            widget.set_reasoning_expanded(expanded)

    # -- scrolling ---------------------------------------------------------------------------

    def is_at_bottom(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - BOTTOM_SLACK

    def _scroll_to_bottom(self) -> None:
        self._stick_to_bottom = True
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _anchor_scroll_position(self) -> None:
        """Before messages above change height: remember the top visible one and its offset."""
        if self._stick_to_bottom:
            return
        self._anchor_timer.start()
        if self._anchor is not None:
            return
        top = self.verticalScrollBar().value()
        for widget in self._widgets.values():
            if widget.y() + widget.height() > top:
                self._anchor = (widget, widget.y() - top)
                return

    @Slot()
    def _on_anchor_timer_timeout(self) -> None:
        self._anchor = None

    @Slot(int, int)
    def _on_scrollbar_range_changed(self, _minimum: int, maximum: int) -> None:
        bar = self.verticalScrollBar()
        anchor = self._anchor
        self._adjusting = True
        try:
            if self._stick_to_bottom:
                bar.setValue(maximum)
            elif anchor is not None and anchor[0] in self._widgets.values():
                bar.setValue(anchor[0].y() - anchor[1])
        finally:
            self._adjusting = False
        if self._older and maximum < self.viewport().height():
            self._older_timer.start()  # the built messages do not fill the view yet

    @Slot(int)
    def _on_scrollbar_value_changed(self, value: int) -> None:
        if not self._adjusting:
            self._anchor = None  # the user scrolled: what they see now is what to keep
        self._stick_to_bottom = self.is_at_bottom()
        if self._older and value < self.viewport().height():
            self._older_timer.start()

    # -- look --------------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._set_side_margins()

    def _set_side_margins(self) -> None:
        side = max(SIDE_MARGIN, (self.viewport().width() - COLUMN_MAX_WIDTH) // 2)
        margins = self._list.contentsMargins()
        if margins.left() != side:
            self._list.setContentsMargins(side, 20, side, 28)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self._restyle()

    def _restyle(self) -> None:
        css = chat_stylesheet(self.palette(), self.font().pointSizeF())
        if css != self._css:
            self._css = css
            self.setStyleSheet(css)


def chat_stylesheet(palette: QPalette, point_size: float) -> str:
    """The chat's look, from the palette's tones so light and dark themes both work."""
    t = tones(palette)
    body = max(point_size, 9.0) * 1.16
    small = max(point_size, 9.0) * 0.92
    return f"""
#chatView, #chatColumn {{ background: {t.base}; border: none; }}
#answerText, #userText {{ font-size: {body:.1f}pt; }}
#reasoningText {{ font-size: {small * 1.04:.1f}pt; }}
#userBubble {{ background: {t.bubble}; border-radius: 18px; border: none; }}
#reasoningToggle {{ background: {t.pill}; color: {t.muted}; border: none; border-radius: 12px;
    padding: 4px 12px 4px 8px; font-size: {small:.1f}pt; }}
#reasoningToggle:hover {{ background: {t.hover}; color: {t.text}; }}
#reasoningBody {{ border: none; border-left: 2px solid {t.rule}; margin-left: 10px; }}
#toolCallToggle {{ background: {t.pill}; color: {t.muted}; border: none; border-radius: 12px;
    padding: 4px 12px 4px 8px; font-size: {small:.1f}pt; }}
#toolCallToggle:hover {{ background: {t.hover}; color: {t.text}; }}
#toolCallDetails {{ border: none; border-left: 2px solid {t.rule}; margin-left: 10px;
    padding-left: 12px; font-size: {small:.1f}pt; }}
#messageAction {{ background: transparent; color: {t.muted}; border: none; border-radius: 6px;
    padding: 3px 8px; font-size: {small:.1f}pt; }}
#messageAction:hover {{ background: {t.hover}; color: {t.text}; }}
#messageAction:disabled {{ color: {t.rule}; }}
#messageStats, #versionLabel {{ color: {t.muted}; font-size: {small:.1f}pt; }}
#attachmentChip {{ background: {t.base}; border: 1px solid {t.border}; border-radius: 10px; }}
#attachmentKind {{ background: {t.pill}; color: {t.accent}; border-radius: 6px; padding: 4px 5px;
    font-size: {small * 0.8:.1f}pt; font-weight: 700; }}
#attachmentName {{ font-weight: 600; }}
#attachmentDetail {{ color: {t.muted}; font-size: {small:.1f}pt; }}
#messagePending {{ color: {t.muted}; font-size: {body * 1.3:.1f}pt; }}
#messageNotice {{ color: {t.muted}; font-size: {small:.1f}pt; font-style: italic; }}
#messageNotice[kind="error"] {{ color: {t.danger}; font-style: normal; }}
#messageEditor {{ background: {t.base}; border: 1px solid {t.border}; border-radius: 14px; }}
#messageEditorText {{ background: transparent; font-size: {body:.1f}pt; }}
"""
