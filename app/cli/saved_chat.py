"""`chat MODEL PROMPT --conversation new|ID [--data-dir D]`: one turn of a conversation kept in
the app's own store, so a script can start one, continue it, and open it in the window later.

The answer is saved as it streams (as the window does: a kill loses at most half a second), and
the model's KV cache is kept as the conversation's snapshot, so the next turn (from the CLI or the
window) does not read the conversation again.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

from app.cli.commands import print_json, profile_paths
from app.cli.event_printer import EventPrinter
from backend.chat.events import (
    AnswerDelta,
    Finished,
    FinishReason,
    GenerationStats,
    ReasoningDelta,
)
from backend.chat.messages import LOCAL_ENGINE, ChatMessage, ChatRequest, MessageState, Role
from backend.engine.local_engine import LocalEngine
from backend.engine.snapshot_store import SnapshotStore, default_ram_cap, disk_cap_for
from backend.errors import InvalidOptionError
from backend.settings import load_settings
from backend.store.conversations import (
    Conversation,
    ConversationStore,
    NotFoundError,
    title_from_first_message,
)

SAVE_INTERVAL = 0.5


def saved_engine(args: argparse.Namespace) -> tuple[LocalEngine, ConversationStore]:
    """An engine that keeps KV snapshots in the profile's cache, and the profile's store."""
    paths = profile_paths(args)
    settings = load_settings(paths.settings_file)
    snapshots = SnapshotStore(
        paths.kv_snapshots, disk_cap=disk_cap_for(paths.kv_snapshots, settings.kv_snapshot_gib),
        ram_cap=default_ram_cap(), enabled=settings.kv_snapshots)
    return LocalEngine(snapshots=snapshots), ConversationStore(paths.conversations_db)


def check_conversation(store: ConversationStore, which: str) -> None:
    """Refuse an id the store does not have (exit 2), before the model loads."""
    if which != "new":
        open_conversation(store, which, "", "", False)


def open_conversation(store: ConversationStore, which: str, prompt: str, label: str,
                      think: bool) -> Conversation:
    if which == "new":
        return store.create_conversation(title_from_first_message(prompt), deep_thinking=think,
                                         model=label, engine=LOCAL_ENGINE)
    try:
        conversation = store.get_conversation(which)
    except NotFoundError:
        raise InvalidOptionError(
            f"There is no conversation {which} in {store.path}. Use --conversation new to start "
            "one, or the id a previous --json run printed.") from None
    if not conversation.engine.is_local:
        raise InvalidOptionError(
            f"Conversation {which} is answered by a server connection; continue it in the app.")
    return conversation


def run_turn(engine: LocalEngine, store: ConversationStore, conversation: Conversation,
             request: ChatRequest, *, as_json: bool, label: str,
             system: str | None = None, default_system: str = "") -> GenerationStats | None:
    """Save the question (with its files), stream and save the answer; Ctrl+C stops it within
    one token. `system` becomes the conversation's own system prompt; without it the one it
    has, or `default_system` (Settings), is used. Returns the answer's figures (None if it never
    finished)."""
    if as_json:
        print_json({"type": "conversation", "id": conversation.id})
    question = request.messages[-1]
    if system is not None:
        store.set_system_prompt(conversation.id, system)
    store.add_message(conversation.id, Role.USER, question.content,
                      attachments=question.attachments)
    prompt = system if system is not None else store.get_conversation(conversation.id).system_prompt
    if prompt is None:
        prompt = default_system
    lead = (ChatMessage(Role.SYSTEM, prompt),) if prompt.strip() else ()
    history = lead + store.history(conversation.id)
    answer = store.add_message(conversation.id, Role.ASSISTANT, "", model=label,
                               state=MessageState.STREAMING)
    request = replace(request, messages=history, conversation_id=conversation.id)
    printer = EventPrinter(as_json)
    content, reasoning = [], []
    thinking_seconds: float | None = None
    stats: GenerationStats | None = None
    started = last_save = time.monotonic()
    try:
        for event in engine.chat(request):
            printer(event)
            if isinstance(event, ReasoningDelta):
                reasoning.append(event.text)
            elif isinstance(event, AnswerDelta):
                if thinking_seconds is None and reasoning:
                    thinking_seconds = time.monotonic() - started
                content.append(event.text)
            elif isinstance(event, Finished):
                stats = event.stats
                cancelled = stats.finish_reason is FinishReason.CANCELLED
                store.finish_message(
                    answer.id, content="".join(content), reasoning="".join(reasoning),
                    thinking_seconds=thinking_seconds, stats=event.stats,
                    state=MessageState.CANCELLED if cancelled else MessageState.COMPLETE)
            if time.monotonic() - last_save >= SAVE_INTERVAL:
                store.save_stream(answer.id, "".join(content), "".join(reasoning),
                                  thinking_seconds)
                last_save = time.monotonic()
    except KeyboardInterrupt:
        engine.cancel()
        store.save_stream(answer.id, "".join(content), "".join(reasoning), thinking_seconds)
        raise
    return stats

