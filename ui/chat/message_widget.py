"""MessageWidget: one message of the chat: a user's bubble, or an assistant's reasoning and answer.

A user message is plain text in a tinted bubble on the right, with Copy and Edit (Edit turns the
bubble into an inline editor: Save & resend emits `edit_requested`). An assistant message is an
optional ReasoningPanel, the answer as Markdown, a notice line (stopped, interrupted, error) and an
action row: Copy, Regenerate, Continue (an answer that stopped while thinking) and the stats text. The row appears when the message is finished;
while any answer is being generated Regenerate and Edit are disabled (`set_generating`).
A message with several versions (regenerated, or edited and resent) shows "‹ 2/3 ›" in its row
(`version_requested`); a user's attached files show as chips above the bubble.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFontMetricsF, QGuiApplication, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from backend.chat.messages import MessageState
from backend.chat.tool_calls import ToolCall, split_tool_blocks
from ui.chat.action_button import action_button
from ui.chat.attachment_chips import attachment_row
from ui.chat.message_editor import MessageEditor
from ui.chat.reasoning_panel import COPIED_FEEDBACK_MS, ReasoningPanel
from ui.chat.tool_call_panel import ToolCallPanel
from ui.chat.version_switcher import VersionSwitcher
from ui.chat.view_models import MessageView
from ui.markdown.markdown_view import MarkdownView

Clock = Callable[[], float]
BUBBLE_SHARE = 0.8  # the widest a user's bubble gets, as a share of the column
BUBBLE_PADDING = (14, 10)  # horizontal, vertical


class MessageWidget(QWidget):
    """Signals:
        regenerate_requested(str): Regenerate clicked on this assistant message (its id).
        edit_requested(str, str): an edited user message was saved (its id, the new text).
        version_requested(str, int): show another version of this message (its id, -1 or +1).
        continue_requested(str): Continue clicked: write on this answer that stopped while
            thinking (its id).
    """

    regenerate_requested = Signal(str)
    edit_requested = Signal(str, str)
    version_requested = Signal(str, int)
    continue_requested = Signal(str)

    def __init__(self, message: MessageView, parent: QWidget | None = None, *,
                 clock: Clock = time.monotonic, keep_reasoning_expanded: bool = False,
                 generating: bool = False, defer_render: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("message")
        self._id = message.id
        self._role = message.role
        self._state = message.state
        self._clock = clock
        self._keep_reasoning_expanded = keep_reasoning_expanded
        self._generating = generating
        self._answer_started = bool(message.content)
        self.reasoning_panel: ReasoningPanel | None = None
        self.tool_call_panel: ToolCallPanel | None = None
        self.regenerate_button: QToolButton | None = None
        self.continue_button: QToolButton | None = None
        self.edit_button: QToolButton | None = None
        self.editor: MessageEditor | None = None
        self.pending_label: QLabel | None = None

        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(8)
        self.answer_view = MarkdownView(self)
        self.answer_view.setObjectName("userText" if self.is_user else "answerText")
        self.notice_label = QLabel(self)
        self.notice_label.setObjectName("messageNotice")
        self.notice_label.setWordWrap(True)
        self.notice_label.setTextFormat(Qt.TextFormat.PlainText)
        self.notice_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stats_label = QLabel(self)
        self.stats_label.setObjectName("messageStats")
        self.stats_label.setTextFormat(Qt.TextFormat.PlainText)
        self.copy_button = action_button(self, self.tr("Copy"), self.tr("Copy the message"))
        self.copy_button.clicked.connect(self._on_copy_clicked)
        self.action_row = QWidget(self)
        self.action_row.setObjectName("messageActions")
        row = QHBoxLayout(self.action_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        self.version_switcher = VersionSwitcher(message.version, message.versions, self)
        self.version_switcher.step_requested.connect(self._on_version_step_requested)
        self._editor_index = 1  # where the inline editor goes: under the bubble's line
        if self.is_user:
            self._build_user(message, row)
        else:
            self._build_assistant(message, row, defer_render)
        self._set_notice(message.notice, message.state)
        self.stats_label.setText(message.stats_text)
        self.stats_label.setVisible(bool(message.stats_text))
        self.action_row.setVisible(message.state != MessageState.STREAMING)
        self._apply_generating()

    def _build_user(self, message: MessageView, row: QHBoxLayout) -> None:
        self.bubble = QFrame(self)
        self.bubble.setObjectName("userBubble")
        inner = QVBoxLayout(self.bubble)
        # Less below: the proportional line height already leaves room under the last line.
        inner.setContentsMargins(BUBBLE_PADDING[0], BUBBLE_PADDING[1], BUBBLE_PADDING[0],
                                 BUBBLE_PADDING[1] - 3)
        inner.addWidget(self.answer_view)
        self.answer_view.set_plain_text(message.content)
        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.addStretch(1)
        line.addWidget(self.bubble)
        if message.attachments:
            self.attachments_row = attachment_row(message.attachments, self)
            self._layout.addWidget(self.attachments_row)
            self._editor_index = 2
        self._layout.addLayout(line)
        self.edit_button = action_button(self, self.tr("Edit"), self.tr("Edit and resend"))
        self.edit_button.clicked.connect(self.start_editing)
        row.addStretch(1)
        row.addWidget(self.version_switcher)
        row.addWidget(self.copy_button)
        row.addWidget(self.edit_button)
        self._layout.addWidget(self.action_row)
        self._layout.addWidget(self.notice_label, 0, Qt.AlignmentFlag.AlignRight)

    def _build_assistant(self, message: MessageView, row: QHBoxLayout, defer: bool) -> None:
        if message.reasoning or message.thinking_seconds is not None:
            panel = self._ensure_reasoning_panel()
            panel.set_reasoning(message.reasoning, message.thinking_seconds)
            if message.can_continue:
                panel.set_expanded(True)  # stopped while thinking: the thinking is all there is
        self.pending_label = QLabel(self.tr("…"), self)
        self.pending_label.setObjectName("messagePending")
        self.pending_label.setVisible(message.state == MessageState.STREAMING
                                      and not message.content)
        self._layout.addWidget(self.pending_label)
        self._layout.addWidget(self.answer_view)
        # Tool calls the model tried are kept in the saved answer as blocks; shown folded.
        content, calls = split_tool_blocks(message.content)
        if message.state == MessageState.STREAMING:
            self.answer_view.append_markdown(content)
        else:
            self.answer_view.set_markdown(content, defer=defer)
        self.answer_view.setVisible(bool(content))
        if calls:
            self._add_tool_calls(calls)
        self._layout.addWidget(self.notice_label)
        self.regenerate_button = action_button(self, self.tr("Regenerate"),
                                                     self.tr("Write this answer again"))
        self.regenerate_button.clicked.connect(self._on_regenerate_clicked)
        row.addWidget(self.version_switcher)
        self.continue_button = action_button(self,
            self.tr("Continue"), self.tr("Let the model go on thinking, then answer"))
        self.continue_button.clicked.connect(self._on_continue_clicked)
        self.continue_button.setVisible(message.can_continue)
        row.addWidget(self.copy_button)
        row.addWidget(self.regenerate_button)
        row.addWidget(self.continue_button)
        row.addSpacing(8)
        row.addWidget(self.stats_label)
        row.addStretch(1)
        self._layout.addWidget(self.action_row)

    def _add_tool_calls(self, calls: tuple[ToolCall, ...]) -> None:
        if self.tool_call_panel is None:
            self.tool_call_panel = ToolCallPanel(self)
            self._layout.insertWidget(self._layout.indexOf(self.answer_view) + 1,
                                      self.tool_call_panel)
            self.tool_call_panel.show()
        self.tool_call_panel.add_calls(calls)

    def _ensure_reasoning_panel(self) -> ReasoningPanel:
        if self.reasoning_panel is None:
            self.reasoning_panel = ReasoningPanel(self, clock=self._clock,
                                                  keep_expanded=self._keep_reasoning_expanded)
            self._layout.insertWidget(0, self.reasoning_panel)
            self.reasoning_panel.show()  # added to a shown message: not shown by itself
        return self.reasoning_panel

    # -- what it shows -----------------------------------------------------------------------

    @property
    def message_id(self) -> str:
        return self._id

    @property
    def role(self) -> str:
        return self._role

    @property
    def is_user(self) -> bool:
        return self._role == "user"

    @property
    def state(self) -> MessageState:
        return self._state

    def content(self) -> str:
        return self.answer_view.markdown()

    def notice(self) -> str:
        return self.notice_label.text() if not self.notice_label.isHidden() else ""

    def has_deferred_render(self) -> bool:
        return self.answer_view.is_deferred()

    def render_deferred(self) -> None:
        """Render Markdown that was shown as plain text to open the conversation faster."""
        self.answer_view.render_deferred()

    def is_editing(self) -> bool:
        return self.editor is not None and not self.editor.isHidden()

    # -- streaming ---------------------------------------------------------------------------

    def begin_reasoning(self) -> None:
        self._ensure_reasoning_panel().begin()
        self._hide_pending()

    def append_reasoning(self, text: str) -> None:
        self._ensure_reasoning_panel().append(text)
        self._hide_pending()

    def set_waiting(self, text: str) -> None:
        """While the answer waits for its turn: `text` in place of the "…" (empty: the "…")."""
        if self.pending_label is not None and self._state == MessageState.STREAMING:
            self.pending_label.setText(text or self.tr("…"))

    def waiting_text(self) -> str:
        """What the pending line says while the answer waits ("" when it shows "…")."""
        label = self.pending_label
        if label is None or label.isHidden() or label.text() == self.tr("…"):
            return ""
        return label.text()

    def _hide_pending(self) -> None:
        if self.pending_label is not None:
            self.pending_label.hide()

    def append_answer(self, text: str) -> None:
        if not text:
            return
        # A tool-call block always arrives whole in one piece (see backend.chat.tool_calls).
        text, calls = split_tool_blocks(text, strip=False)
        if calls:
            if self.reasoning_panel is not None:
                self.reasoning_panel.stop(fold=True)
            self._hide_pending()
            self._add_tool_calls(calls)
            if not text.strip():
                return
        if not self._answer_started:
            self._answer_started = True
            if self.reasoning_panel is not None:
                self.reasoning_panel.stop(fold=True)
            self._hide_pending()
            self.answer_view.show()
        self.answer_view.append_markdown(text)

    def resume(self) -> None:
        """The answer is written further (Continue): streaming again, its reasoning live."""
        self._state = MessageState.STREAMING
        self._set_notice("", self._state)
        self.stats_label.hide()
        self.action_row.hide()
        self.set_can_continue(False)
        self._ensure_reasoning_panel().resume()
        self._apply_generating()

    def set_can_continue(self, can: bool) -> None:
        """Offer Continue (an answer that stopped while thinking, and the last one)."""
        if self.continue_button is not None:
            self.continue_button.setVisible(can)

    def can_continue(self) -> bool:
        return self.continue_button is not None and not self.continue_button.isHidden()

    def finish(self, state: MessageState, *, stats_text: str = "", notice: str = "",
               thinking_seconds: float | None = None, can_continue: bool = False) -> None:
        self._state = state
        if self.reasoning_panel is not None:
            self.reasoning_panel.stop(fold=False)
            if thinking_seconds is not None:
                self.reasoning_panel.set_seconds(thinking_seconds)
        self.answer_view.finish()
        self._hide_pending()
        self.stats_label.setText(stats_text)
        self.stats_label.setVisible(bool(stats_text))
        self._set_notice(notice, state)
        self.set_can_continue(can_continue)
        self.action_row.show()
        self._apply_generating()

    def set_generating(self, busy: bool) -> None:
        self._generating = busy
        self._apply_generating()

    def set_reasoning_expanded(self, keep: bool) -> None:
        self._keep_reasoning_expanded = keep
        if self.reasoning_panel is not None:
            self.reasoning_panel.set_keep_expanded(keep)

    def _apply_generating(self) -> None:
        for button in (self.regenerate_button, self.continue_button, self.edit_button):
            if button is not None:
                button.setEnabled(not self._generating)
        if self.editor is not None:
            self.editor.set_busy(self._generating)
        self.version_switcher.set_busy(self._generating)
        self.copy_button.setEnabled(self._state != MessageState.STREAMING)

    def _set_notice(self, notice: str, state: MessageState) -> None:
        self.notice_label.setText(notice)
        self.notice_label.setProperty("kind", "error" if state == MessageState.ERROR else "info")
        self.notice_label.style().unpolish(self.notice_label)
        self.notice_label.style().polish(self.notice_label)
        self.notice_label.setVisible(bool(notice))

    # -- editing -----------------------------------------------------------------------------

    @Slot()
    def start_editing(self) -> None:
        if not self.is_user or self.is_editing():
            return
        if self.editor is None:
            self.editor = MessageEditor(self)
            self.editor.saved.connect(self._on_editor_saved)
            self.editor.cancelled.connect(self.cancel_editing)
            self._layout.insertWidget(self._editor_index, self.editor)
        self.editor.text_edit.setPlainText(self.content())
        self.bubble.hide()
        self.action_row.hide()
        self.editor.show()
        self._apply_generating()
        self.editor.text_edit.setFocus()
        self.editor.text_edit.moveCursor(self.editor.text_edit.textCursor().MoveOperation.End)

    @Slot()
    def cancel_editing(self) -> None:
        if self.editor is not None:
            self.editor.hide()
        self.bubble.show()
        self.action_row.show()

    @Slot(str)
    def _on_editor_saved(self, text: str) -> None:
        if self._generating or not text.strip():
            return
        self.answer_view.set_plain_text(text)
        self._fit_bubble()
        self.cancel_editing()
        self.edit_requested.emit(self._id, text)

    # -- layout ------------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.is_user:
            self._fit_bubble()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and self.is_user:
            self._fit_bubble()

    def _fit_bubble(self) -> None:
        """Short messages get a snug bubble; long ones wrap at a share of the column."""
        metrics = QFontMetricsF(self.answer_view.font())
        lines = self.content().split("\n") or [""]
        natural = max(metrics.horizontalAdvance(line) for line in lines) + 4
        widest = max(80, int(self.width() * BUBBLE_SHARE) - 2 * BUBBLE_PADDING[0])
        self.answer_view.setFixedWidth(int(min(natural, widest)) + 1)

    # -- actions -----------------------------------------------------------------------------

    @Slot()
    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.content())
        self.copy_button.setText(self.tr("Copied"))
        QTimer.singleShot(COPIED_FEEDBACK_MS, self, self._on_copied_feedback_done)

    @Slot()
    def _on_copied_feedback_done(self) -> None:
        self.copy_button.setText(self.tr("Copy"))

    @Slot()
    def _on_regenerate_clicked(self) -> None:
        if not self._generating:
            self.regenerate_requested.emit(self._id)

    @Slot(int)
    def _on_version_step_requested(self, step: int) -> None:
        if not self._generating:
            self.version_requested.emit(self._id, step)
    @Slot()
    def _on_continue_clicked(self) -> None:
        if not self._generating:
            self.continue_requested.emit(self._id)
