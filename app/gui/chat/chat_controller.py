"""The chat session: conversations, sending, streaming into the view and into SQLite, stop.

Lifecycle of one answer: `send` stores the user message and an empty assistant message in state
"streaming", queues a `GenerateRequest` on the generation thread, and the worker's batched
deltas arrive in `_on_worker_reasoning/_answer`: they go to the view through a `ViewFeed` (which
paces rendering) and to the store at least every `SAVE_INTERVAL` seconds (so a crash loses at most that), then `_on_worker_finished`
or `_on_worker_failed` settles the message. Only one answer is written at a time.

Regenerate and Edit and resend keep what was there: the new answer (or question) is another
version at the same place (`version_of`), and the view shows it in place of the old one and of
what followed it; "‹ 2/3 ›" switches back (`_on_view_version_requested`). Attached files come
from the composer (`AttachmentController`); the system prompt and sampling from the
conversation's presets (`PresetController`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.gui.chat.attachment_controller import AttachmentController
from app.gui.chat.preset_controller import PresetController
from app.gui.chat.view_feed import ViewFeed
from app.gui.generation_worker import GenerateRequest, GenerationThread
from backend.chat.events import FinishReason, GenerationStats
from backend.chat.family import FamilyInfo
from backend.chat.messages import ChatRequest, EngineRef, MessageState, Role, Sampling
from backend.store.conversations import (
    ConversationStore,
    StoredMessage,
    title_from_first_message,
)
from ui.chat.view_models import MessageView
from ui.conversation_list import ConversationItem
from ui.main_window import MainWindow

log = logging.getLogger(__name__)

SAVE_INTERVAL = 0.5


@dataclass
class _Streaming:
    """The answer being written right now."""

    message_id: str
    conversation_id: str
    started: float
    reasoning: str = ""
    content: str = ""
    thinking_seconds: float | None = None
    last_saved: float = field(default_factory=time.monotonic)
    thinking: bool = False
    waiting: bool = False  # queued behind an API server request


class ChatController(QObject):
    """Signals:
        generating_changed(bool): an answer started or ended.
        conversation_deleted(str): the user deleted a conversation (its id).
    """

    generating_changed = Signal(bool)
    conversation_deleted = Signal(str)

    def __init__(self, window: MainWindow, store: ConversationStore, generation: GenerationThread,
                 models: ModelContext) -> None:
        super().__init__()
        self.window = window
        self.store = store
        self.generation = generation
        self.models = models
        self.conversation_id: str | None = None
        self.streaming: _Streaming | None = None
        self.max_tokens: int | None = None  # None: until the model stops or the context is full
        self.feed = ViewFeed(window.chat_view)
        self._search = ""

        view, composer, sidebar = window.chat_view, window.composer, window.sidebar
        composer.send_requested.connect(self._on_composer_send_requested)
        composer.stop_requested.connect(self._on_composer_stop_requested)
        composer.effort_changed.connect(self._on_composer_effort_changed)
        view.regenerate_requested.connect(self._on_view_regenerate_requested)
        view.edit_requested.connect(self._on_view_edit_requested)
        view.version_requested.connect(self._on_view_version_requested)
        view.continue_requested.connect(self._on_view_continue_requested)
        self.attachments = AttachmentController(window, generation, models)
        self.presets = PresetController(window, store, models)
        sidebar.new_requested.connect(self._on_sidebar_new_requested)
        sidebar.selected.connect(self._on_sidebar_selected)
        sidebar.rename_requested.connect(self._on_sidebar_rename_requested)
        sidebar.delete_requested.connect(self._on_sidebar_delete_requested)
        sidebar.export_requested.connect(self._on_sidebar_export_requested)
        sidebar.search_changed.connect(self._on_sidebar_search_changed)
        window.new_chat_action.triggered.connect(self._on_sidebar_new_requested)
        window.export_action.triggered.connect(self._on_window_export_triggered)
        worker = generation.worker
        worker.started.connect(self._on_worker_started)
        worker.reasoning.connect(self._on_worker_reasoning)
        worker.answer.connect(self._on_worker_answer)
        worker.finished.connect(self._on_worker_finished)
        worker.failed.connect(self._on_worker_failed)

    # -- conversations ----------------------------------------------------------------------

    def restore(self) -> None:
        """On launch: show the conversations, most recent first, and open the last one."""
        conversations = self.store.conversations()
        self.open(conversations[0].id if conversations else None)

    def open(self, conversation_id: str | None) -> None:
        self.conversation_id = conversation_id
        self._refresh_sidebar()
        messages = self.store.messages(conversation_id) if conversation_id else []
        self.window.chat_view.set_messages([_view(m) for m in messages])
        self.window.show_chat(bool(messages))
        if conversation_id:
            conversation = self.store.get_conversation(conversation_id)
            self.models.use_engine(conversation.engine)  # a local model or a remote server
            self.window.composer.set_deep_thinking(conversation.deep_thinking)
            self.window.composer.set_effort(conversation.reasoning_effort)
            self.presets.show(conversation)
        else:
            self.window.composer.set_deep_thinking(self.models.default_deep_thinking())
            self.window.composer.set_effort(None)
            self.presets.show(None)
        self.attachments.update_context()

    def deep_thinking(self) -> bool:
        return self.window.composer.deep_thinking.isChecked()

    def remember_deep_thinking(self, on: bool) -> None:
        if self.conversation_id:
            self.store.set_deep_thinking(self.conversation_id, on)

    @Slot(str)
    def _on_composer_effort_changed(self, effort: str) -> None:
        if self.conversation_id:
            self.store.set_reasoning_effort(self.conversation_id, effort or None)

    def remember_engine(self, engine: EngineRef) -> None:
        """The user chose another engine: the open conversation keeps it from now on."""
        if self.conversation_id:
            self.store.set_engine(self.conversation_id, engine)

    def show_saved_elsewhere(self, conversation_id: str) -> None:
        """A conversation was written outside this chat (a server chat, saved): the sidebar
        lists it, and if it is the one open and idle, it shows the new messages (the engine,
        the composer and its switches stay as the user left them)."""
        self._refresh_sidebar()
        if conversation_id == self.conversation_id and self.streaming is None:
            self.window.chat_view.set_messages(
                [_view(m) for m in self.store.messages(conversation_id)])

    def _refresh_sidebar(self) -> None:
        items = [ConversationItem(c.id, c.title, c.updated_at)
                 for c in self.store.conversations(self._search or None)]
        self.window.sidebar.set_conversations(items, self.conversation_id)

    @Slot()
    def _on_sidebar_new_requested(self) -> None:
        if self.streaming is None:
            self.open(None)
            self.window.composer.input.setFocus()

    @Slot(str)
    def _on_sidebar_selected(self, conversation_id: str) -> None:
        if self.streaming is None and conversation_id != self.conversation_id:
            self.open(conversation_id)

    @Slot(str, str)
    def _on_sidebar_rename_requested(self, conversation_id: str, title: str) -> None:
        self.store.rename(conversation_id, title)
        self._refresh_sidebar()
        if conversation_id == self.conversation_id:
            self.presets.show(self.store.get_conversation(conversation_id))

    @Slot(str)
    def _on_sidebar_delete_requested(self, conversation_id: str) -> None:
        if self.streaming and self.streaming.conversation_id == conversation_id:
            self.stop()
            return
        self.store.delete_conversation(conversation_id)
        self.conversation_deleted.emit(conversation_id)
        if conversation_id == self.conversation_id:
            self.restore()
        else:
            self._refresh_sidebar()

    @Slot(str)
    def _on_sidebar_search_changed(self, text: str) -> None:
        self._search = text.strip()
        self._refresh_sidebar()

    @Slot()
    def _on_window_export_triggered(self) -> None:
        if self.conversation_id:
            self._on_sidebar_export_requested(self.conversation_id, "markdown")

    @Slot(str, str)
    def _on_sidebar_export_requested(self, conversation_id: str, fmt: str) -> None:
        conversation = self.store.get_conversation(conversation_id)
        suffix = ".md" if fmt == "markdown" else ".json"
        name = ("".join(ch for ch in conversation.title if ch not in '\\/:*?"<>|').strip()
                or self.tr("chat"))
        path, _ = QFileDialog.getSaveFileName(
            self.window, self.tr("Export conversation"), str(Path.home() / f"{name}{suffix}"),
            self.tr("Markdown (*.md)") if fmt == "markdown" else self.tr("JSON (*.json)"))
        if not path:
            return
        text = (self.store.export_markdown(conversation_id) if fmt == "markdown"
                else self.store.export_json(conversation_id))
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            QMessageBox.warning(self.window, self.tr("Export failed"),
                                self.tr("Could not write {0}: {1}").format(path, exc.strerror))

    # -- sending ----------------------------------------------------------------------------

    @Slot(str)
    def _on_composer_send_requested(self, text: str) -> None:
        self.send(text)

    def send(self, text: str) -> None:
        if self.streaming is not None:
            return
        if not self.models.ready():
            self.window.composer.set_text(text)
            self.models.explain_not_ready()
            return
        composer = self.window.composer
        tray = composer.attachments
        if tray.busy() or composer.over_budget():
            composer.set_text(text)
            tray.show_error(
                self.tr("Wait a moment: the attached files are still being read.") if tray.busy()
                else self.tr("The message is too long for the model's context. Remove a file, or "
                             "keep only the first part of it."))
            return
        attachments = tuple(tray.attachments())
        if self.conversation_id is None:
            conversation = self.store.create_conversation(
                title_from_first_message(text), deep_thinking=self.deep_thinking(),
                model=self.models.current_label(), engine=self.models.engine(),
                system_prompt=self.presets.own_prompt, sampling=self.presets.own_sampling)
            self.conversation_id = conversation.id
            effort = self.window.composer.reasoning_effort()
            if effort:
                self.store.set_reasoning_effort(conversation.id, effort)
            self.window.chat_view.set_messages([])
            self.presets.show(conversation)
        user = self.store.add_message(self.conversation_id, Role.USER, text,
                                      attachments=attachments)
        tray.clear()
        self.window.chat_view.add_message(_view(user))
        self._answer()

    def _answer(self, version_of: str | None = None) -> None:
        """Write an assistant answer for the conversation as it stands, or (`version_of`) a new
        version of that answer, shown in its place."""
        assert self.conversation_id is not None
        conversation_id = self.conversation_id
        thinking = self.models.thinking_flag(self.deep_thinking())
        assistant = self.store.add_message(conversation_id, Role.ASSISTANT, "",
                                           model=self.models.current_label(),
                                           state=MessageState.STREAMING, version_of=version_of)
        history = self.presets.messages(self.store.history(conversation_id))  # up to this one
        self.store.touch(conversation_id)
        if version_of is None:
            self.window.chat_view.add_message(_view(assistant))
        else:
            self.window.chat_view.replace_from(version_of, [_view(assistant)])
        self.window.show_chat(True)
        # The model answers one request at a time: behind an API server request, this answer
        # waits, and says so until the worker starts it.
        waiting = self.generation.worker.server_jobs > 0
        self.streaming = _Streaming(assistant.id, conversation_id, time.monotonic(),
                                    thinking=thinking, waiting=waiting)
        if waiting:
            self.window.chat_view.set_waiting(assistant.id,
                                              self.tr("Waiting for the server's request…"))
        elif thinking:
            self.window.chat_view.begin_reasoning(assistant.id)
        effort = self.models.reasoning_effort(self.window.composer.reasoning_effort(), thinking)
        request = ChatRequest(messages=history, deep_thinking=thinking,
                              sampling=self.presets.sampling(), max_tokens=self.max_tokens,
                              conversation_id=conversation_id, reasoning_effort=effort)
        self._generate(assistant.id, request)

    def _generate(self, message_id: str, request: ChatRequest) -> None:
        self._set_generating(True)
        self._refresh_sidebar()
        self.generation.generate(GenerateRequest(message_id, request,
                                                 engine=self.models.engine()))

    @Slot(str)
    def _on_view_continue_requested(self, message_id: str) -> None:
        self.continue_answer(message_id)

    def continue_answer(self, message_id: str) -> None:
        """The last answer stopped while thinking: the model goes on from the end of its
        reasoning, into the same message (its thinking time runs on)."""
        conversation_id = self.conversation_id
        if self.streaming is not None or conversation_id is None:
            return
        if not self.models.ready():
            self.models.explain_not_ready()
            return
        messages = self.store.messages(conversation_id)
        message = messages[-1] if messages else None
        if message is None or message.id != message_id or not message.reasoning:
            return
        self.store.reopen_message(message_id)
        self.store.touch(conversation_id)
        self.window.chat_view.resume_message(message_id)
        started = time.monotonic() - (message.thinking_seconds or 0.0)
        self.streaming = _Streaming(message_id, conversation_id, started,
                                    reasoning=message.reasoning)
        effort = self.models.reasoning_effort(self.window.composer.reasoning_effort(), True)
        request = ChatRequest(messages=self.presets.messages(self.store.history(conversation_id)),
                              deep_thinking=True, sampling=self.presets.sampling(),
                              max_tokens=self.max_tokens, conversation_id=conversation_id,
                              continue_reasoning=message.reasoning, reasoning_effort=effort)
        self._generate(message_id, request)

    @Slot()
    def _on_composer_stop_requested(self) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop the answer being written; the worker ends it within one token."""
        if self.streaming is not None:
            self.generation.stop()

    @Slot(str)
    def _on_view_regenerate_requested(self, message_id: str) -> None:
        """Another answer beside this one; the earlier stays a version of it."""
        if self.streaming is not None or self.conversation_id is None or not self.models.ready():
            return
        self._answer(version_of=message_id)

    @Slot(str, str)
    def _on_view_edit_requested(self, message_id: str, text: str) -> None:
        """The edited question (with the same files) is a new version beside the old one, and
        gets an answer; the old question keeps its answers and what followed."""
        if self.streaming is not None or self.conversation_id is None:
            return
        if not self.models.ready():
            self.window.chat_view.replace_from(message_id, [
                _view(m) for m in self.store.messages(self.conversation_id)
                if m.position >= self.store.get_message(message_id).position])
            self.models.explain_not_ready()
            return
        old = self.store.get_message(message_id)
        user = self.store.add_message(self.conversation_id, Role.USER, text, version_of=message_id,
                                      attachments=old.attachments)
        self.window.chat_view.replace_from(message_id, [_view(user)])
        self._answer()

    @Slot(str, int)
    def _on_view_version_requested(self, message_id: str, step: int) -> None:
        """Show the version before or after this message's, with the turns that followed it."""
        if self.streaming is not None or self.conversation_id is None:
            return
        chosen = self.store.select_version(message_id, step)
        if chosen == message_id:
            return
        position = self.store.get_message(chosen).position
        self.window.chat_view.replace_from(message_id, [
            _view(m) for m in self.store.messages(self.conversation_id) if m.position >= position])

    # -- streaming --------------------------------------------------------------------------

    @Slot(str)
    def _on_worker_started(self, message_id: str) -> None:
        s = self._current(message_id)
        if s is None or not s.waiting:
            return
        s.waiting = False
        s.started = time.monotonic()  # the thinking time counts from here
        self.window.chat_view.set_waiting(message_id, "")
        if s.thinking:
            self.window.chat_view.begin_reasoning(message_id)

    @Slot(str, str)
    def _on_worker_reasoning(self, message_id: str, text: str) -> None:
        s = self._current(message_id)
        if s is None:
            return
        s.reasoning += text
        self.feed.add(message_id, text, reasoning=True)
        self._save_if_due(s)

    @Slot(str, str)
    def _on_worker_answer(self, message_id: str, text: str) -> None:
        s = self._current(message_id)
        if s is None:
            return
        if s.thinking_seconds is None and s.reasoning:
            s.thinking_seconds = time.monotonic() - s.started
        s.content += text
        self.feed.add(message_id, text, reasoning=False)
        self._save_if_due(s)

    @Slot(str, object)
    def _on_worker_finished(self, message_id: str, stats: GenerationStats) -> None:
        s = self._current(message_id)
        if s is None:
            return
        self.feed.flush()
        if s.thinking_seconds is None and s.reasoning:
            s.thinking_seconds = time.monotonic() - s.started
        cancelled = stats.finish_reason is FinishReason.CANCELLED
        state = MessageState.CANCELLED if cancelled else MessageState.COMPLETE
        self.store.finish_message(message_id, content=s.content, reasoning=s.reasoning,
                                  thinking_seconds=s.thinking_seconds, stats=stats, state=state)
        thinking = stopped_thinking(state, s.content, s.reasoning)
        self.window.chat_view.finish_message(message_id, state=state,
                                             stats_text=stats_text(stats),
                                             notice=_finish_notice(stats.finish_reason, thinking),
                                             thinking_seconds=s.thinking_seconds,
                                             can_continue=thinking)
        self.models.show_stats(stats)
        self._end()

    @Slot(str, str)
    def _on_worker_failed(self, message_id: str, error: str) -> None:
        s = self._current(message_id)
        if s is None:
            return
        self.feed.flush()
        self.store.finish_message(message_id, content=s.content, reasoning=s.reasoning,
                                  thinking_seconds=s.thinking_seconds, stats=None,
                                  state=MessageState.ERROR, error=error)
        self.window.chat_view.finish_message(message_id, state=MessageState.ERROR, notice=error,
                                             thinking_seconds=s.thinking_seconds)
        self._end()

    def _current(self, message_id: str) -> _Streaming | None:
        s = self.streaming
        return s if s is not None and s.message_id == message_id else None

    def _save_if_due(self, s: _Streaming) -> None:
        now = time.monotonic()
        if now - s.last_saved >= SAVE_INTERVAL:
            self.store.save_stream(s.message_id, s.content, s.reasoning, s.thinking_seconds)
            s.last_saved = now

    def _end(self) -> None:
        self.streaming = None
        self._set_generating(False)
        self._refresh_sidebar()

    def _set_generating(self, busy: bool) -> None:
        self.window.composer.set_generating(busy)
        self.window.chat_view.set_generating(busy)
        self.window.sidebar.setEnabled(not busy)
        self.generating_changed.emit(busy)

    def shutdown(self) -> None:
        """Save what has streamed so far; the message stays resumable as 'interrupted'."""
        s = self.streaming
        if s is not None:
            self.store.save_stream(s.message_id, s.content, s.reasoning, s.thinking_seconds)
        # Deltas the worker queued before it stopped arrive after the store is closed: with
        # nothing streaming, the slots ignore them.
        self.streaming = None


class ModelContext(Protocol):
    """What the chat needs from the model side (the model controller provides it)."""

    def ready(self) -> bool: ...
    def explain_not_ready(self) -> None: ...
    def current_label(self) -> str | None: ...
    def thinking_flag(self, toggle: bool) -> bool: ...
    def reasoning_effort(self, choice: str | None, thinking: bool) -> str | None: ...
    def sampling(self) -> Sampling | None: ...
    def default_deep_thinking(self) -> bool: ...
    def show_stats(self, stats: GenerationStats) -> None: ...
    def engine(self) -> EngineRef: ...
    def use_engine(self, engine: EngineRef) -> None: ...
    def context_size(self) -> int | None: ...
    def can_count_tokens(self) -> bool: ...
    def family(self) -> FamilyInfo | None: ...
    def default_system_prompt(self) -> str: ...


def stats_text(stats: GenerationStats) -> str:
    return QCoreApplication.translate(
        "ChatController", "{tps:.1f} tok/s · {ttft:.2f} s to first token · {tokens} tokens"
    ).format(tps=stats.decode_tps, ttft=stats.ttft_s, tokens=stats.completion_tokens)


def stopped_thinking(state: MessageState, content: str, reasoning: str) -> bool:
    """The answer ended inside its reasoning (no `</think>` before the end or the token limit):
    there is reasoning and no answer. Continue can take it on from there."""
    return state is MessageState.COMPLETE and bool(reasoning.strip()) and not content.strip()


def _finish_notice(reason: FinishReason | None, thinking: bool = False) -> str:
    """What the answer's end says under it, in the interface language; `thinking`: it ended
    while the model was still thinking."""
    if reason is FinishReason.CANCELLED:
        return QCoreApplication.translate("ChatController", "Stopped.")
    if thinking:
        return QCoreApplication.translate("ChatController", "The model stopped while thinking.")
    if reason is FinishReason.LENGTH:
        return QCoreApplication.translate("ChatController", "The answer reached the length limit.")
    return ""


def _view(message: StoredMessage) -> MessageView:
    thinking = (message.role is Role.ASSISTANT
                and stopped_thinking(message.state, message.content, message.reasoning))
    notice = ""
    if message.state is MessageState.INTERRUPTED:
        notice = QCoreApplication.translate(
            "ChatController", "Interrupted: the app closed while this answer was being written.")
    elif message.error:
        notice = message.error  # shown as the user was told when it failed
    else:
        notice = _finish_notice(message.finish_reason, thinking)
    return MessageView(
        id=message.id,
        role=str(message.role),
        content=message.content,
        reasoning=message.reasoning,
        thinking_seconds=message.thinking_seconds,
        state=message.state,
        stats_text=stats_text(message.stats) if message.stats else "",
        notice=notice,
        version=message.version,
        versions=message.versions,
        attachments=message.attachments,
        can_continue=thinking,
    )

