"""Conversations and their messages, kept in one SQLite file (see `database` for the file itself).

An answer is saved while it streams (`save_stream`: one UPDATE), so a crash loses at most the time
since the last save; the next open turns answers left 'streaming' into 'interrupted', text kept.

Messages form a tree: regenerating an answer or editing a question adds a new version beside the
old one (`add_message(..., version_of=...)`), and later turns belong to the version they followed.
`messages` gives the path shown now, each message with its place among its versions; choosing
another version (`select_version`) shows it with the turns that followed it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from backend.chat.events import FinishReason, GenerationStats
from backend.chat.messages import (
    LOCAL_ENGINE,
    Attachment,
    AttachmentKind,
    ChatMessage,
    EngineRef,
    MessageState,
    Role,
    Sampling,
)
from backend.errors import AppError
from backend.i18n import translate
from backend.store import export
from backend.store.database import (
    StoreDamagedError,
    StoreError,
    open_database,
    reports,
    write_transaction,
)

__all__ = [
    "Conversation", "ConversationStore", "NotFoundError", "StoreDamagedError",
    "StoreError", "StoredMessage", "title_from_first_message",
]

log = logging.getLogger(__name__)

TITLE_WIDTH = 40  # display columns: a Chinese character counts two


class NotFoundError(AppError, LookupError):
    """No conversation or message with that id (deleted meanwhile, perhaps by another window)."""


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    title: str
    created_at: float  # epoch seconds, like every timestamp here
    updated_at: float  # last use: a message added, or `touch`
    deep_thinking: bool
    model: str | None  # label or path of the model last used
    engine: EngineRef
    message_count: int = 0  # every version of every message
    system_prompt: str | None = None  # its own; None: the default from Settings
    sampling: Sampling | None = None  # its own; None: the model family's settings
    reasoning_effort: str | None = None  # with deep thinking: "high", "max"; None: default


@dataclass(frozen=True, slots=True)
class StoredMessage:
    id: str
    conversation_id: str
    position: int  # 0, 1, 2, ... within the conversation
    role: Role
    content: str
    reasoning: str
    thinking_seconds: float | None
    model: str | None
    stats: GenerationStats | None
    state: MessageState
    error: str | None  # why generation failed (state ERROR), as the user was told
    created_at: float
    updated_at: float
    finish_reason: FinishReason | None = None  # why a finished answer ended
    parent_id: str | None = None  # the message it follows; None for the first
    attachments: tuple[Attachment, ...] = ()  # a user's files, in the order attached
    version: int = 1  # which of its versions this is (1-based, oldest first)
    versions: int = 1  # how many versions its position holds


_MESSAGE_COLUMNS = (
    "id, conversation_id, position, role, content, reasoning, thinking_seconds, model, stats, "
    "state, error, created_at, updated_at, finish_reason, parent_id, selected"
)
_CONVERSATION_SELECT = (
    "SELECT c.id, c.title, c.created_at, c.updated_at, c.deep_thinking, c.model, c.engine, "
    "c.system_prompt, c.sampling, c.reasoning_effort, "
    "(SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count "
    "FROM conversations c"
)
_PROMPT_STATES = frozenset(
    (MessageState.COMPLETE, MessageState.INTERRUPTED, MessageState.CANCELLED))


class ConversationStore:
    """The conversation database. Use from one thread; several processes may share the file."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        """Open (creating or migrating) the database at `path` (`AppPaths.conversations_db`).

        Raises `StoreDamagedError` when the file is not a usable database: it has then been
        moved aside and a new, empty one created, so opening again succeeds.
        """
        self.path = path
        self._clock = clock
        self._db = open_database(self.path, clock)

    def close(self) -> None:
        """Close the connection (idempotent). SQLite then folds the WAL back into the file."""
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- conversations ---------------------------------------------------------------------------

    @reports(lambda: translate("Store", "create a conversation"))
    def create_conversation(
        self, title: str = "", *, deep_thinking: bool = False, model: str | None = None,
        engine: EngineRef = LOCAL_ENGINE, system_prompt: str | None = None,
        sampling: Sampling | None = None,
    ) -> Conversation:
        now = self._clock()
        conversation = Conversation(
            id=str(uuid.uuid4()), title=_one_line(title) or _default_title(), created_at=now,
            updated_at=now, deep_thinking=deep_thinking, model=model, engine=engine,
            system_prompt=system_prompt, sampling=sampling,
        )
        self._db.execute(
            "INSERT INTO conversations (id, title, created_at, updated_at, deep_thinking, model, "
            "engine, system_prompt, sampling) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (conversation.id, conversation.title, now, now, int(deep_thinking), model,
             str(engine), system_prompt, _sampling_json(sampling)),
        )
        return conversation

    @reports(lambda: translate("Store", "list the conversations"))
    def conversations(self, search: str | None = None) -> list[Conversation]:
        """Most recently used first. `search` matches the title, any message's text or any
        attached file's name, ignoring case (Unicode case folding, so "ÉTÉ" finds "été"); `%`
        and `_` are plain characters."""
        needle = (search or "").strip().casefold()
        if not needle:
            rows = self._db.execute(
                f"{_CONVERSATION_SELECT} ORDER BY c.updated_at DESC, c.created_at DESC, c.id"
            )
        else:
            rows = self._db.execute(
                f"{_CONVERSATION_SELECT} WHERE instr(casefold(c.title), :q) > 0 OR EXISTS ("
                "SELECT 1 FROM messages m WHERE m.conversation_id = c.id "
                "AND instr(casefold(m.content), :q) > 0) OR EXISTS ("
                "SELECT 1 FROM attachments a JOIN messages m ON m.id = a.message_id "
                "WHERE m.conversation_id = c.id AND instr(casefold(a.name), :q) > 0) "
                "ORDER BY c.updated_at DESC, c.created_at DESC, c.id",
                {"q": needle},
            )
        return [_conversation(row) for row in rows]

    @reports(lambda: translate("Store", "read a conversation"))
    def get_conversation(self, conversation_id: str) -> Conversation:
        row = self._db.execute(f"{_CONVERSATION_SELECT} WHERE c.id = ?",
                               (conversation_id,)).fetchone()
        if row is None:
            raise _missing("conversation", conversation_id)
        return _conversation(row)

    @reports(lambda: translate("Store", "rename a conversation"))
    def rename(self, conversation_id: str, title: str) -> None:
        """Renaming is not use: the conversation keeps its place in the list."""
        self._update_conversation(conversation_id, "title = ?", _one_line(title) or _default_title())

    @reports(lambda: translate("Store", "save the deep thinking choice"))
    def set_deep_thinking(self, conversation_id: str, on: bool) -> None:
        self._update_conversation(conversation_id, "deep_thinking = ?", int(on))

    @reports(lambda: translate("Store", "save the reasoning effort"))
    def set_reasoning_effort(self, conversation_id: str, effort: str | None) -> None:
        """The effort asked with deep thinking in this conversation ("high", "max"; None: the
        model's default)."""
        self._update_conversation(conversation_id, "reasoning_effort = ?", effort)

    @reports(lambda: translate("Store", "save the model choice"))
    def set_model(self, conversation_id: str, model: str | None) -> None:
        self._update_conversation(conversation_id, "model = ?", model)

    @reports(lambda: translate("Store", "save the engine choice"))
    def set_engine(self, conversation_id: str, engine: EngineRef) -> None:
        """Which engine answers the conversation from now on."""
        self._update_conversation(conversation_id, "engine = ?", str(engine))

    @reports(lambda: translate("Store", "save the system prompt"))
    def set_system_prompt(self, conversation_id: str, text: str | None) -> None:
        """The conversation's own system prompt ("" for none at all); None: the default."""
        self._update_conversation(conversation_id, "system_prompt = ?", text)

    @reports(lambda: translate("Store", "save the sampling settings"))
    def set_sampling(self, conversation_id: str, sampling: Sampling | None) -> None:
        """The conversation's own sampler settings; None: the model family's."""
        self._update_conversation(conversation_id, "sampling = ?", _sampling_json(sampling))

    @reports(lambda: translate("Store", "update a conversation"))
    def touch(self, conversation_id: str) -> None:
        """Mark the conversation as used now (it moves to the top of the list)."""
        self._update_conversation(conversation_id, "updated_at = ?", self._clock())

    @reports(lambda: translate("Store", "delete a conversation"))
    def delete_conversation(self, conversation_id: str) -> None:
        """Delete it with all its messages; deleting one already gone is not an error."""
        self._db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    # -- messages --------------------------------------------------------------------------------

    @reports(lambda: translate("Store", "read the messages"))
    def messages(self, conversation_id: str) -> list[StoredMessage]:
        """The path shown now, in order: from the first message, at each position the version
        chosen last. An unknown conversation has none."""
        rows = self._db.execute(
            f"SELECT {_MESSAGE_COLUMNS}, rowid FROM messages WHERE conversation_id = ?",
            (conversation_id,),
        ).fetchall()
        children: dict[str | None, list[sqlite3.Row]] = {}
        for row in sorted(rows, key=lambda r: (r["created_at"], r["rowid"])):
            children.setdefault(row["parent_id"], []).append(row)
        path: list[tuple[sqlite3.Row, int, int]] = []
        siblings = children.get(None, [])
        while siblings:
            chosen = max(range(len(siblings)), key=lambda i: (siblings[i]["selected"], i))
            path.append((siblings[chosen], chosen + 1, len(siblings)))
            siblings = children.get(siblings[chosen]["id"], [])
        attached = self._attachments([row["id"] for row, _, _ in path])
        return [_message(row, attached.get(row["id"], ()), version, versions)
                for row, version, versions in path]

    @reports(lambda: translate("Store", "read a message"))
    def get_message(self, message_id: str) -> StoredMessage:
        row = self._db.execute(f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = ?",
                               (message_id,)).fetchone()
        if row is None:
            raise _missing("message", message_id)
        siblings = [r["id"] for r in self._db.execute(
            "SELECT id FROM messages WHERE conversation_id = ? AND parent_id IS ? "
            "ORDER BY created_at, rowid", (row["conversation_id"], row["parent_id"]))]
        return _message(row, self._attachments([message_id]).get(message_id, ()),
                        siblings.index(message_id) + 1, len(siblings))

    @reports(lambda: translate("Store", "save a message"))
    def add_message(
        self, conversation_id: str, role: Role, content: str, *, reasoning: str = "",
        model: str | None = None, state: MessageState = MessageState.COMPLETE,
        attachments: Sequence[Attachment] = (), version_of: str | None = None,
    ) -> StoredMessage:
        """Append a message after the path shown now, or, with `version_of`, add it as a new
        version of that message (beside it, following the same message). Either way it is the
        one shown from now on. The conversation counts as used now, and `model`, when given,
        becomes its model."""
        now = self._clock()
        message_id = str(uuid.uuid4())
        with self._transaction() as db:
            touched = db.execute(
                "UPDATE conversations SET updated_at = ?, model = coalesce(?, model) WHERE id = ?",
                (now, model, conversation_id),
            ).rowcount
            if not touched:
                raise _missing("conversation", conversation_id)
            if version_of is not None:
                other = db.execute(
                    "SELECT parent_id, position FROM messages WHERE id = ? AND conversation_id = ?",
                    (version_of, conversation_id)).fetchone()
                if other is None:
                    raise _missing("message", version_of)
                parent_id, position = other["parent_id"], other["position"]
            else:
                last = self.messages(conversation_id)
                parent_id = last[-1].id if last else None
                position = last[-1].position + 1 if last else 0
            db.execute(
                f"INSERT INTO messages ({_MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, "
                "NULL, ?, NULL, ?, ?, NULL, ?, "
                "(SELECT coalesce(max(selected), 0) + 1 FROM messages WHERE conversation_id = ?))",
                (message_id, conversation_id, position, Role(role).value, content, reasoning,
                 model, MessageState(state).value, now, now, parent_id, conversation_id),
            )
            db.executemany(
                "INSERT INTO attachments (message_id, position, name, kind, size, tokens, "
                "truncated, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(message_id, i, a.name, AttachmentKind(a.kind).value, a.size, a.tokens,
                  int(a.truncated), a.text) for i, a in enumerate(attachments)],
            )
            versions = 1 if version_of is None else db.execute(
                "SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND parent_id IS ?",
                (conversation_id, parent_id)).fetchone()[0]
        return StoredMessage(
            id=message_id, conversation_id=conversation_id, position=position, role=Role(role),
            content=content, reasoning=reasoning, thinking_seconds=None, model=model, stats=None,
            state=MessageState(state), error=None, created_at=now, updated_at=now,
            parent_id=parent_id, attachments=tuple(attachments), version=versions,
            versions=versions,
        )

    @reports(lambda: translate("Store", "choose a version"))
    def select_version(self, message_id: str, step: int) -> str:
        """Show the version `step` places after (or before, negative) this message among its
        versions, with the turns that followed it; return its id. Past the first or the last
        version it stops there."""
        with self._transaction() as db:
            row = db.execute("SELECT conversation_id, parent_id FROM messages WHERE id = ?",
                             (message_id,)).fetchone()
            if row is None:
                raise _missing("message", message_id)
            ids = [str(r["id"]) for r in db.execute(
                "SELECT id FROM messages WHERE conversation_id = ? AND parent_id IS ? "
                "ORDER BY created_at, rowid", (row["conversation_id"], row["parent_id"]))]
            chosen = ids[max(0, min(len(ids) - 1, ids.index(message_id) + step))]
            db.execute(
                "UPDATE messages SET selected = (SELECT max(selected) + 1 FROM messages "
                "WHERE conversation_id = ?) WHERE id = ?", (row["conversation_id"], chosen))
        return chosen

    @reports(lambda: translate("Store", "save the answer"))
    def save_stream(
        self, message_id: str, content: str, reasoning: str, thinking_seconds: float | None,
    ) -> bool:
        """Save a streaming answer so far: one UPDATE by primary key, nothing read.

        It also (re)marks the message 'streaming', undoing the crash recovery of a second
        process that opened the file meanwhile. A finished message is left alone (a late save
        cannot overwrite the final text): returns False then, or for an unknown id.
        """
        cursor = self._db.execute(
            "UPDATE messages SET content = ?, reasoning = ?, thinking_seconds = ?, "
            "state = 'streaming', updated_at = ? "
            "WHERE id = ? AND state IN ('streaming', 'interrupted')",
            (content, reasoning, thinking_seconds, self._clock(), message_id),
        )
        return cursor.rowcount > 0

    @reports(lambda: translate("Store", "save the answer"))
    def finish_message(
        self, message_id: str, *, content: str, reasoning: str, thinking_seconds: float | None,
        stats: GenerationStats | None, state: MessageState, error: str | None = None,
    ) -> None:
        """Settle an answer: `stats` (and its finish reason) when it ended, `error` if it
        failed."""
        if state is MessageState.STREAMING:
            raise ValueError("finish_message needs a final state, not 'streaming'")
        stats_json = None if stats is None else json.dumps(export.stats_to_dict(stats))
        reason = None if stats is None else stats.finish_reason.value
        self._update_message(
            message_id,
            "content = ?, reasoning = ?, thinking_seconds = ?, stats = ?, state = ?, error = ?, "
            "finish_reason = ?",
            (content, reasoning, thinking_seconds, stats_json, MessageState(state).value, error,
             reason),
        )

    @reports(lambda: translate("Store", "save the answer"))
    def reopen_message(self, message_id: str) -> None:
        """An answer is written further ("Continue" after it stopped while thinking): it is
        'streaming' again, its end (stats, finish reason) forgotten until it ends anew."""
        self._update_message(
            message_id, "state = 'streaming', stats = NULL, finish_reason = NULL, error = NULL",
            ())

    @reports(lambda: translate("Store", "save the edit"))
    def update_message_content(self, message_id: str, content: str) -> None:
        self._update_message(message_id, "content = ?", (content,))

    def history(self, conversation_id: str) -> tuple[ChatMessage, ...]:
        """What the model sees: the path shown now, finished, stopped and interrupted messages
        with their attachments; failed ones and the answer being written are left out.
        Reasoning comes along for display; the prompt builder drops it."""
        return tuple(
            ChatMessage(m.role, m.content, m.reasoning, attachments=m.attachments)
            for m in self.messages(conversation_id) if m.state in _PROMPT_STATES)

    # -- export ----------------------------------------------------------------------------------

    def export_markdown(self, conversation_id: str, *, with_stats: bool = True) -> str:
        return export.to_markdown(self.get_conversation(conversation_id),
                                        self.messages(conversation_id), with_stats=with_stats)

    def export_json(self, conversation_id: str) -> str:
        return export.to_json(self.get_conversation(conversation_id),
                                    self.messages(conversation_id))

    # -- helpers ---------------------------------------------------------------------------------

    def _attachments(self, message_ids: Sequence[str]) -> dict[str, tuple[Attachment, ...]]:
        if not message_ids:
            return {}
        found: dict[str, list[Attachment]] = {}
        for row in self._db.execute(
            "SELECT message_id, name, kind, size, tokens, truncated, content FROM attachments "
            "WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY message_id, position",
            (json.dumps(list(message_ids)),),
        ):
            found.setdefault(row["message_id"], []).append(Attachment(
                name=row["name"], kind=_attachment_kind(row["kind"]), size=row["size"],
                text=row["content"], tokens=row["tokens"], truncated=bool(row["truncated"])))
        return {key: tuple(value) for key, value in found.items()}

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with write_transaction(self._db):
            yield self._db

    def _update_conversation(self, conversation_id: str, assignment: str, value: object) -> None:
        cursor = self._db.execute(f"UPDATE conversations SET {assignment} WHERE id = ?",
                                  (value, conversation_id))
        if not cursor.rowcount:
            raise _missing("conversation", conversation_id)

    def _update_message(
        self, message_id: str, assignments: str, values: tuple[object, ...]
    ) -> None:
        cursor = self._db.execute(
            f"UPDATE messages SET {assignments}, updated_at = ? WHERE id = ?",
            (*values, self._clock(), message_id),
        )
        if not cursor.rowcount:
            raise _missing("message", message_id)


def title_from_first_message(text: str, width: int = TITLE_WIDTH) -> str:
    """A one-line title: the first non-blank line, spaces collapsed, cut to `width` columns
    (CJK characters are two columns wide) with an ellipsis, at a word break when one is near."""
    line = next((_one_line(part) for part in text.splitlines() if part.strip()), "")
    if not line:
        return _default_title()
    if _width(line) <= width:
        return line
    cut, used = 0, 0
    while used + _char_width(line[cut]) <= width - 1:  # keep one column for the ellipsis
        used += _char_width(line[cut])
        cut += 1
    head = line[:cut]
    space = head.rfind(" ")
    if space >= len(head) * 2 // 3:  # a word break in the last third: cut there, not mid-word
        head = head[:space]
    return head.rstrip() + "…"


# -- rows ------------------------------------------------------------------------------------------


def _conversation(row: sqlite3.Row) -> Conversation:
    return Conversation(
        id=row["id"], title=row["title"], created_at=row["created_at"],
        updated_at=row["updated_at"], deep_thinking=bool(row["deep_thinking"]),
        model=row["model"], engine=EngineRef.parse(row["engine"]),
        message_count=row["message_count"], system_prompt=row["system_prompt"],
        sampling=_sampling(row["sampling"], row["id"]),
        reasoning_effort=row["reasoning_effort"],
    )


def _message(row: sqlite3.Row, attachments: tuple[Attachment, ...] = (), version: int = 1,
             versions: int = 1) -> StoredMessage:
    return StoredMessage(
        id=row["id"], conversation_id=row["conversation_id"], position=row["position"],
        role=Role(row["role"]), content=row["content"], reasoning=row["reasoning"],
        thinking_seconds=row["thinking_seconds"], model=row["model"],
        stats=_stats(row["stats"], row["id"]), state=MessageState(row["state"]),
        error=row["error"], created_at=row["created_at"], updated_at=row["updated_at"],
        finish_reason=_finish_reason(row["finish_reason"]), parent_id=row["parent_id"],
        attachments=attachments, version=version, versions=versions,
    )


def _attachment_kind(raw: str) -> AttachmentKind:
    try:
        return AttachmentKind(raw)
    except ValueError:  # written by a newer version: its text is still text
        return AttachmentKind.TEXT


def _sampling_json(sampling: Sampling | None) -> str | None:
    return None if sampling is None else json.dumps(dataclasses.asdict(sampling))


def _sampling(raw: str | None, conversation_id: str) -> Sampling | None:
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return Sampling(**{f.name: type(getattr(Sampling(), f.name))(data[f.name])
                           for f in dataclasses.fields(Sampling) if f.name in data})
    except (ValueError, TypeError, AttributeError) as exc:
        # A bad record falls back to the family's settings rather than hiding the conversation.
        log.warning("unreadable sampling for conversation %s ignored: %s", conversation_id, exc)
        return None


def _finish_reason(raw: str | None) -> FinishReason | None:
    try:
        return None if raw is None else FinishReason(raw)
    except ValueError:  # written by a newer version: show the answer without the note
        log.warning("unknown finish reason %r", raw)
        return None


def _stats(raw: str | None, message_id: str) -> GenerationStats | None:
    if raw is None:
        return None
    try:
        return export.stats_from_dict(json.loads(raw))
    except (ValueError, TypeError, KeyError) as exc:
        # Stats are decoration: a bad record must not hide the message itself.
        log.warning("unreadable stats for message %s ignored: %s", message_id, exc)
        return None


def _default_title() -> str:
    return translate("Store", "New chat")


def _missing(kind: str, item_id: str) -> NotFoundError:
    if kind == "conversation":
        return NotFoundError(translate(
            "Store", "The conversation {id} no longer exists; it may have been deleted."
        ).format(id=item_id))
    return NotFoundError(translate(
        "Store", "The message {id} no longer exists; it may have been deleted."
    ).format(id=item_id))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _width(text: str) -> int:
    return sum(_char_width(char) for char in text)
