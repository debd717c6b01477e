"""Tests for `ConversationStore`: the schema, every operation, crash recovery, damaged files."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.chat.events import FinishReason, GenerationStats
from backend.chat.messages import (
    LOCAL_ENGINE,
    Attachment,
    AttachmentKind,
    ChatMessage,
    MessageState,
    Role,
    Sampling,
)
from backend.store import database
from backend.store.conversations import (
    Conversation,
    ConversationStore,
    NotFoundError,
    StoreDamagedError,
    StoredMessage,
    StoreError,
    title_from_first_message,
)

ROOT = Path(__file__).resolve().parents[2]
T0 = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
NOTES = Attachment("notes.md", AttachmentKind.TEXT, 42, "# Notes\nbuy milk", 9)
STATS = GenerationStats(prompt_tokens=120, cached_tokens=100, completion_tokens=42, ttft_s=0.25,
                        prompt_tps=80.0, decode_tps=21.5, finish_reason=FinishReason.STOP)


class Clock:
    """A clock the test moves by hand, so every timestamp is known."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float = 1.0) -> float:
        self.now += seconds
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "conversations.sqlite3"


@pytest.fixture
def store(db_path: Path, clock: Clock) -> Iterator[ConversationStore]:
    with ConversationStore(db_path, clock=clock) as opened:
        yield opened


def raw(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Run `sql` on a separate plain connection, as another program would."""
    db = sqlite3.connect(path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


# --- opening -----------------------------------------------------------------------------------


def test_a_new_database_is_in_wal_mode_at_the_latest_schema_with_foreign_keys(
        store: ConversationStore, db_path: Path) -> None:
    assert raw(db_path, "PRAGMA journal_mode") == [("wal",)]
    assert raw(db_path, "PRAGMA user_version") == [(len(database.MIGRATIONS),)]
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert store._db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    indexes = raw(db_path, "SELECT name FROM sqlite_master WHERE type = 'index' "
                           "AND name NOT LIKE 'sqlite_%' ORDER BY name")
    assert indexes == [("conversations_by_use",), ("messages_by_depth",), ("messages_by_parent",)]


def test_closing_twice_is_harmless(db_path: Path) -> None:
    opened = ConversationStore(db_path)
    opened.close()
    opened.close()


def test_a_second_migration_runs_once_when_appended(db_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    ConversationStore(db_path).close()
    calls: list[int] = []

    def v2(db: sqlite3.Connection) -> None:
        calls.append(1)
        db.execute("ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0")

    monkeypatch.setattr(database, "MIGRATIONS", [*database.MIGRATIONS, v2])
    ConversationStore(db_path).close()
    ConversationStore(db_path).close()
    assert calls == [1]
    assert raw(db_path, "PRAGMA user_version") == [(len(database.MIGRATIONS),)]


def test_a_database_of_the_previous_version_gains_the_reasoning_effort(db_path: Path) -> None:
    # Written by the previous version, whose schema ended at version 3: as that app made it.
    db = sqlite3.connect(db_path)
    for migrate in database.MIGRATIONS[:3]:
        migrate(db)
    db.execute("PRAGMA user_version = 3")
    db.execute("INSERT INTO conversations (id, title, created_at, updated_at, deep_thinking, "
               "model, engine) VALUES ('c1', 'Old chat', 1.0, 2.0, 1, 'DeepSeek-R1', 'local')")
    db.commit()
    db.close()
    with ConversationStore(db_path) as store:
        [old] = store.conversations()
        assert (old.id, old.title, old.deep_thinking, old.reasoning_effort) == (
            "c1", "Old chat", True, None)
        store.set_reasoning_effort("c1", "max")
    with ConversationStore(db_path) as store:
        assert store.get_conversation("c1").reasoning_effort == "max"
        store.set_reasoning_effort("c1", None)
        assert store.get_conversation("c1").reasoning_effort is None
    assert raw(db_path, "PRAGMA user_version") == [(4,)]


def test_the_reasoning_effort_is_kept_per_conversation(store: ConversationStore) -> None:
    a = store.create_conversation("A", deep_thinking=True)
    b = store.create_conversation("B")
    store.set_reasoning_effort(a.id, "high")
    assert (store.get_conversation(a.id).reasoning_effort,
            store.get_conversation(b.id).reasoning_effort) == ("high", None)
    with pytest.raises(NotFoundError):
        store.set_reasoning_effort("gone", "max")


def test_a_database_from_a_newer_version_is_refused_and_left_alone(db_path: Path) -> None:
    ConversationStore(db_path).close()
    raw(db_path, "PRAGMA user_version = 70")
    with pytest.raises(StoreError) as info:
        ConversationStore(db_path)
    assert str(info.value) == (
        f"The conversation database at {db_path} was written by a newer version of DeepSeek "
        f"Local (schema 70; this version reads up to {len(database.MIGRATIONS)}). Update the app."
    )
    assert raw(db_path, "PRAGMA user_version") == [(70,)]


def test_a_database_of_the_first_release_gets_finish_reasons(db_path: Path, clock: Clock,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Schema 1 kept "Stopped." and the length-limit notice as English text in `error`."""
    with monkeypatch.context() as old:
        old.setattr(database, "MIGRATIONS", database.MIGRATIONS[:1])
        ConversationStore(db_path, clock=clock).close()
    stats = ('{"prompt_tokens": 9, "cached_tokens": 0, "completion_tokens": 3, "ttft_s": 0.1, '
             '"prompt_tps": 90.0, "decode_tps": 30.0, "finish_reason": "%s"}')
    rows = [  # id, role, state, error, stats: as the first release wrote them
        ("u", "user", "complete", None, None),
        ("stopped", "assistant", "cancelled", "Stopped.", stats % "cancelled"),
        ("long", "assistant", "complete", "The answer reached the length limit.",
         stats % "length"),
        ("done", "assistant", "complete", None, stats % "stop"),
        ("failed", "assistant", "error", "HTTP 500 from the server", None),
    ]
    db = sqlite3.connect(db_path)
    db.execute("INSERT INTO conversations VALUES ('c', 'Old', 1, 1, 0, NULL, 'local')")
    for position, (mid, role, state, error, stats_json) in enumerate(rows):
        db.execute("INSERT INTO messages VALUES (?, 'c', ?, ?, 'text', '', NULL, NULL, ?, ?, ?, "
                   "1, 1)", (mid, position, role, stats_json, state, error))
    db.commit()
    db.close()
    with ConversationStore(db_path, clock=clock) as store:
        got = {m.id: (m.state, m.finish_reason, m.error) for m in store.messages("c")}
    assert got == {
        "u": (MessageState.COMPLETE, None, None),
        "stopped": (MessageState.CANCELLED, FinishReason.CANCELLED, None),
        "long": (MessageState.COMPLETE, FinishReason.LENGTH, None),
        "done": (MessageState.COMPLETE, FinishReason.STOP, None),
        "failed": (MessageState.ERROR, None, "HTTP 500 from the server"),
    }


def test_a_database_of_schema_2_gets_versions_attachments_and_presets(
        db_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Schema 2 kept one message per position; each becomes the only version at its place, the
    one after it follows it, and nothing is lost."""
    with monkeypatch.context() as old:
        old.setattr(database, "MIGRATIONS", database.MIGRATIONS[:2])
        ConversationStore(db_path, clock=clock).close()
    db = sqlite3.connect(db_path)
    db.execute("INSERT INTO conversations VALUES ('c', 'Old', 1, 1, 1, 'R1', 'local')")
    db.execute("INSERT INTO conversations VALUES ('d', 'Other', 1, 1, 0, NULL, 'local')")
    for conversation, position, role, text in [("c", 0, "user", "q1"), ("c", 1, "assistant", "a1"),
                                               ("c", 2, "user", "q2"), ("d", 0, "user", "x"),
                                               ("c", 3, "assistant", "a2")]:
        db.execute("INSERT INTO messages VALUES (?, ?, ?, ?, ?, '', NULL, NULL, NULL, 'complete', "
                   "NULL, 1, 1, NULL)", (f"{conversation}{position}", conversation, position,
                                         role, text))
    db.commit()
    db.close()
    with ConversationStore(db_path, clock=clock) as store:
        got = [(m.id, m.parent_id, m.position, m.content, m.version, m.versions)
               for m in store.messages("c")]
        assert got == [("c0", None, 0, "q1", 1, 1), ("c1", "c0", 1, "a1", 1, 1),
                       ("c2", "c1", 2, "q2", 1, 1), ("c3", "c2", 3, "a2", 1, 1)]
        assert [m.parent_id for m in store.messages("d")] == [None]
        conversation = store.get_conversation("c")
        assert (conversation.system_prompt, conversation.sampling, conversation.deep_thinking,
                conversation.message_count) == (None, None, True, 4)
        # The old conversation goes on: a new answer to q2 becomes a second version.
        store.add_message("c", Role.ASSISTANT, "a2 again", version_of="c3")
        store.add_message("c", Role.USER, "q3", attachments=[NOTES])
        assert [(m.content, m.version, m.versions) for m in store.messages("c")][2:] == [
            ("q2", 1, 1), ("a2 again", 2, 2), ("q3", 1, 1)]


def test_a_garbage_file_is_moved_aside_and_a_new_database_started(tmp_path: Path,
                                                                  clock: Clock) -> None:
    path = tmp_path / "conversations.sqlite3"
    garbage = b"this is not SQLite\n" * 400
    path.write_bytes(garbage)
    (tmp_path / "conversations.sqlite3-wal").write_bytes(b"old wal")
    with pytest.raises(StoreDamagedError) as info:
        ConversationStore(path, clock=clock)
    aside = tmp_path / "conversations.sqlite3.damaged-20231114-221320"
    assert str(info.value) == (
        f"The conversation database at {path} is damaged (file is not a database). It was "
        f"moved aside to {aside}; a new, empty one was started. Nothing was deleted."
    )
    assert aside.read_bytes() == garbage
    assert (tmp_path / "conversations.sqlite3.damaged-20231114-221320-wal").read_bytes() == (
        b"old wal")
    with ConversationStore(path, clock=clock) as fresh:
        assert fresh.conversations() == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_conversations_are_private_files(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "conversations.sqlite3"
    with ConversationStore(path, clock=clock) as store:
        store.create_conversation("secret")
        files = [p for p in tmp_path.iterdir() if p.name.startswith(path.name)]
        assert {p.name for p in files} >= {path.name, path.name + "-wal", path.name + "-shm"}
        assert all(p.stat().st_mode & 0o777 == 0o600 for p in files), files
    old = tmp_path / "old.sqlite3"  # as a version before this one left it
    sqlite3.connect(old).close()
    old.chmod(0o644)
    ConversationStore(old, clock=clock).close()
    assert old.stat().st_mode & 0o777 == 0o600
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"x" * 200)
    damaged.chmod(0o644)
    with pytest.raises(StoreDamagedError):
        ConversationStore(damaged, clock=clock)
    aside = next(tmp_path.glob("damaged.sqlite3.damaged-*"))
    assert aside.stat().st_mode & 0o777 == 0o600


def test_a_second_damaged_file_in_the_same_second_gets_its_own_name(tmp_path: Path,
                                                                    clock: Clock) -> None:
    path = tmp_path / "c.sqlite3"
    for content in (b"first" * 300, b"second" * 300):
        path.write_bytes(content)
        with pytest.raises(StoreDamagedError):
            ConversationStore(path, clock=clock)
    assert (tmp_path / "c.sqlite3.damaged-20231114-221320").read_bytes() == b"first" * 300
    assert (tmp_path / "c.sqlite3.damaged-20231114-221320-2").read_bytes() == b"second" * 300


def test_a_path_that_cannot_be_opened_is_reported_and_not_moved(tmp_path: Path) -> None:
    folder = tmp_path / "conversations.sqlite3"
    folder.mkdir()
    with pytest.raises(StoreError) as info:
        ConversationStore(folder)
    assert type(info.value) is StoreError
    assert str(info.value) == (
        f"The conversation database at {folder} cannot be opened (unable to open database "
        "file). Check that the file and its folder are readable and writable."
    )
    assert folder.is_dir()


def test_a_full_disk_becomes_a_store_error_with_advice(store: ConversationStore,
                                                       db_path: Path) -> None:
    conversation = store.create_conversation("Chat")
    # A real SQLITE_FULL: cap the file at its current size.
    (pages,) = store._db.execute("PRAGMA page_count").fetchone()
    store._db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreError) as info:
        store.add_message(conversation.id, Role.USER, "x" * 100_000)
    assert str(info.value) == (
        f"Could not save a message in the conversation database at {db_path} (database or "
        "disk is full). Free some disk space and try again."
    )
    assert store.messages(conversation.id) == []


# --- conversations -----------------------------------------------------------------------------


def test_create_and_get_a_conversation(store: ConversationStore) -> None:
    created = store.create_conversation("  Plan a\ntrip  ", deep_thinking=True, model="R1")
    assert created == Conversation(id=created.id, title="Plan a trip", created_at=T0,
                                   updated_at=T0, deep_thinking=True, model="R1", engine=LOCAL_ENGINE,
                                   message_count=0)
    assert store.get_conversation(created.id) == created
    assert store.create_conversation("   ").title == "New chat"


def test_conversations_come_most_recently_used_first(store: ConversationStore,
                                                     clock: Clock) -> None:
    a = store.create_conversation("A")
    clock.tick()
    b = store.create_conversation("B")
    clock.tick()
    c = store.create_conversation("C")
    assert [x.title for x in store.conversations()] == ["C", "B", "A"]
    clock.tick()
    store.add_message(a.id, Role.USER, "hello")
    assert [x.title for x in store.conversations()] == ["A", "C", "B"]
    clock.tick()
    store.touch(b.id)
    store.rename(c.id, "C renamed")  # renaming is not use
    store.set_deep_thinking(c.id, True)
    assert [(x.title, x.updated_at, x.message_count) for x in store.conversations()] == [
        ("B", T0 + 4, 0), ("A", T0 + 3, 1), ("C renamed", T0 + 2, 0)]


def test_search_matches_titles_and_messages_ignoring_case(store: ConversationStore,
                                                          clock: Clock) -> None:
    trip = store.create_conversation("Trip to Paris")
    clock.tick()
    chinese = store.create_conversation("新对话")
    store.add_message(chinese.id, Role.USER, "请解释量子计算的基本原理")
    clock.tick()
    summer = store.create_conversation("Notes")
    store.add_message(summer.id, Role.USER, "L'ÉTÉ dernier: 50% off_sale")
    store.add_message(summer.id, Role.ASSISTANT, "ok", reasoning="paris is only in reasoning")

    def titles(search: str | None) -> list[str]:
        return [c.title for c in store.conversations(search)]

    assert titles("paris") == ["Trip to Paris"]  # the reasoning is not searched
    assert titles("量子") == ["新对话"]
    assert titles("对话") == ["新对话"]
    assert titles("l'été") == ["Notes"]  # Unicode case folding, not ASCII-only LIKE
    assert titles("50%") == ["Notes"]
    assert titles("0_s") == [] and titles("f_s") == ["Notes"]  # % and _ are not wildcards
    assert titles("  ") == titles(None) == titles("") == ["Notes", "新对话", "Trip to Paris"]
    assert titles("nowhere") == []
    assert trip.id in {c.id for c in store.conversations("TRIP")}


def test_settings_of_a_conversation_are_saved(store: ConversationStore, clock: Clock) -> None:
    conversation = store.create_conversation("Chat", model="R1")
    clock.tick()
    store.set_deep_thinking(conversation.id, True)
    store.set_model(conversation.id, "V3")
    store.rename(conversation.id, "  Better\ttitle ")
    assert store.get_conversation(conversation.id) == Conversation(
        id=conversation.id, title="Better title", created_at=T0, updated_at=T0,
        deep_thinking=True, model="V3", engine=LOCAL_ENGINE, message_count=0)


def test_unknown_ids_raise_not_found_with_a_message(store: ConversationStore) -> None:
    with pytest.raises(NotFoundError) as info:
        store.get_conversation("nope")
    assert str(info.value) == "The conversation nope no longer exists; it may have been deleted."
    with pytest.raises(NotFoundError) as info:
        store.update_message_content("gone", "text")
    assert str(info.value) == "The message gone no longer exists; it may have been deleted."
    for call in (lambda: store.rename("nope", "x"), lambda: store.touch("nope"),
                 lambda: store.set_model("nope", "m"), lambda: store.get_message("nope"),
                 lambda: store.set_deep_thinking("nope", True),
                 lambda: store.add_message("nope", Role.USER, "hi")):
        with pytest.raises(NotFoundError):
            call()
    store.delete_conversation("nope")  # deleting what is gone is fine
    assert store.messages("nope") == [] and store.history("nope") == ()


def test_deleting_a_conversation_deletes_its_messages(store: ConversationStore,
                                                      db_path: Path) -> None:
    keep = store.create_conversation("Keep")
    drop = store.create_conversation("Drop")
    store.add_message(keep.id, Role.USER, "k")
    store.add_message(drop.id, Role.USER, "d1")
    store.add_message(drop.id, Role.ASSISTANT, "d2")
    store.delete_conversation(drop.id)
    assert [c.title for c in store.conversations()] == ["Keep"]
    assert raw(db_path, "SELECT content FROM messages") == [("k",)]


# --- messages ----------------------------------------------------------------------------------


def test_messages_are_numbered_in_order_and_touch_the_conversation(store: ConversationStore,
                                                                   clock: Clock) -> None:
    conversation = store.create_conversation("Chat", model="old")
    clock.tick()
    user = store.add_message(conversation.id, Role.USER, "Hi")
    clock.tick()
    answer = store.add_message(conversation.id, Role.ASSISTANT, "Hello", reasoning="greet",
                               model="R1-7B")
    assert answer == StoredMessage(
        id=answer.id, conversation_id=conversation.id, position=1, role=Role.ASSISTANT,
        content="Hello", reasoning="greet", thinking_seconds=None, model="R1-7B", stats=None,
        state=MessageState.COMPLETE, error=None, created_at=T0 + 2, updated_at=T0 + 2,
        parent_id=user.id)
    assert store.messages(conversation.id) == [user, answer]
    assert user.position == 0 and user.model is None
    assert store.get_message(answer.id) == answer
    updated = store.get_conversation(conversation.id)
    assert (updated.updated_at, updated.model, updated.message_count) == (T0 + 2, "R1-7B", 2)


def test_a_streamed_answer_is_saved_then_finished(store: ConversationStore,
                                                  clock: Clock) -> None:
    conversation = store.create_conversation("Chat")
    question = store.add_message(conversation.id, Role.USER, "2+2?")
    answer = store.add_message(conversation.id, Role.ASSISTANT, "", model="R1",
                               state=MessageState.STREAMING)
    clock.tick()
    assert store.save_stream(answer.id, "", "Adding", None) is True
    clock.tick()
    assert store.save_stream(answer.id, "It is", "Adding two and two.", 1.5) is True
    saved = store.get_message(answer.id)
    assert (saved.content, saved.reasoning, saved.thinking_seconds, saved.state,
            saved.updated_at) == ("It is", "Adding two and two.", 1.5, MessageState.STREAMING,
                                  T0 + 2)
    clock.tick()
    store.finish_message(answer.id, content="It is 4.", reasoning="Adding two and two.",
                         thinking_seconds=1.5, stats=STATS, state=MessageState.COMPLETE)
    assert store.get_message(answer.id) == StoredMessage(
        id=answer.id, conversation_id=conversation.id, position=1, role=Role.ASSISTANT,
        content="It is 4.", reasoning="Adding two and two.", thinking_seconds=1.5, model="R1",
        stats=STATS, state=MessageState.COMPLETE, error=None, created_at=T0, updated_at=T0 + 3,
        finish_reason=FinishReason.STOP, parent_id=question.id)
    # A save arriving after the end changes nothing.
    assert store.save_stream(answer.id, "late", "late", 9.0) is False
    assert store.get_message(answer.id).content == "It is 4."
    assert store.save_stream("unknown", "", "", None) is False


def test_an_answer_reopened_to_continue_streams_again_then_ends_anew(
        store: ConversationStore) -> None:
    conversation = store.create_conversation("Chat")
    store.add_message(conversation.id, Role.USER, "2+2?")
    answer = store.add_message(conversation.id, Role.ASSISTANT, "",
                               state=MessageState.STREAMING)
    stopped = GenerationStats(12, 0, 8, 0.1, 50.0, 20.0, FinishReason.LENGTH)
    store.finish_message(answer.id, content="", reasoning="Adding two", thinking_seconds=2.0,
                         stats=stopped, state=MessageState.COMPLETE)
    store.reopen_message(answer.id)
    reopened = store.get_message(answer.id)
    assert (reopened.state, reopened.stats, reopened.finish_reason, reopened.reasoning) == (
        MessageState.STREAMING, None, None, "Adding two")
    # The answer being written is not part of what the model sees, as for a new one.
    assert [m.role for m in store.history(conversation.id)] == [Role.USER]
    assert store.save_stream(answer.id, "", "Adding two and two", 3.0) is True
    store.finish_message(answer.id, content="4", reasoning="Adding two and two",
                         thinking_seconds=3.5, stats=STATS, state=MessageState.COMPLETE)
    ended = store.get_message(answer.id)
    assert (ended.content, ended.finish_reason, ended.state) == (
        "4", FinishReason.STOP, MessageState.COMPLETE)
    with pytest.raises(NotFoundError):
        store.reopen_message("unknown")


def test_finishing_with_an_error_keeps_the_partial_text(store: ConversationStore) -> None:
    conversation = store.create_conversation("Chat")
    answer = store.add_message(conversation.id, Role.ASSISTANT, "",
                               state=MessageState.STREAMING)
    store.finish_message(answer.id, content="Par", reasoning="", thinking_seconds=None,
                         stats=None, state=MessageState.ERROR, error="Out of memory.")
    failed = store.get_message(answer.id)
    assert (failed.content, failed.state, failed.error, failed.stats) == (
        "Par", MessageState.ERROR, "Out of memory.", None)
    with pytest.raises(ValueError, match="final state"):
        store.finish_message(answer.id, content="", reasoning="", thinking_seconds=None,
                             stats=None, state=MessageState.STREAMING)


def test_history_holds_what_the_model_should_see(store: ConversationStore) -> None:
    c = store.create_conversation("Chat")
    store.add_message(c.id, Role.USER, "one")
    store.add_message(c.id, Role.ASSISTANT, "1", reasoning="r1")
    store.add_message(c.id, Role.USER, "two")
    store.add_message(c.id, Role.ASSISTANT, "boom", state=MessageState.ERROR)
    store.add_message(c.id, Role.ASSISTANT, "2 (cut", reasoning="r2",
                      state=MessageState.INTERRUPTED)
    store.add_message(c.id, Role.USER, "three")
    store.add_message(c.id, Role.ASSISTANT, "3 st", state=MessageState.CANCELLED)
    store.add_message(c.id, Role.USER, "four")
    store.add_message(c.id, Role.ASSISTANT, "writing", state=MessageState.STREAMING)
    assert store.history(c.id) == (
        ChatMessage(Role.USER, "one"),
        ChatMessage(Role.ASSISTANT, "1", "r1"),
        ChatMessage(Role.USER, "two"),
        ChatMessage(Role.ASSISTANT, "2 (cut", "r2"),
        ChatMessage(Role.USER, "three"),
        ChatMessage(Role.ASSISTANT, "3 st"),
        ChatMessage(Role.USER, "four"),
    )


def test_regenerate_and_edit_keep_every_version_and_later_turns_follow_theirs(
        store: ConversationStore, clock: Clock) -> None:
    c = store.create_conversation("Chat")
    ids = {}
    for role, text in [(Role.USER, "q1"), (Role.ASSISTANT, "a1"), (Role.USER, "q2"),
                       (Role.ASSISTANT, "a2")]:
        clock.tick()
        ids[text] = store.add_message(c.id, role, text).id

    def shown() -> list[tuple[int, str, int, int]]:
        return [(m.position, m.content, m.version, m.versions) for m in store.messages(c.id)]

    # Regenerate a2: a second version beside it, shown from now on.
    clock.tick()
    again = store.add_message(c.id, Role.ASSISTANT, "a2 again", version_of=ids["a2"])
    assert (again.position, again.parent_id, again.version, again.versions) == (
        3, ids["q2"], 2, 2)
    assert shown() == [(0, "q1", 1, 1), (1, "a1", 1, 1), (2, "q2", 1, 1), (3, "a2 again", 2, 2)]
    # Edit q1 and resend: a new first question; the old turns stay with the old one.
    clock.tick()
    edited = store.add_message(c.id, Role.USER, "q1 edited", version_of=ids["q1"])
    assert (edited.position, edited.parent_id, edited.version) == (0, None, 2)
    store.add_message(c.id, Role.ASSISTANT, "a1 for the edit")
    assert shown() == [(0, "q1 edited", 2, 2), (1, "a1 for the edit", 1, 1)]
    # Back to the first question: its turns come back as they were left, a2 again included.
    assert store.select_version(edited.id, -1) == ids["q1"]
    assert shown() == [(0, "q1", 1, 2), (1, "a1", 1, 1), (2, "q2", 1, 1), (3, "a2 again", 2, 2)]
    assert store.select_version(again.id, -1) == ids["a2"]
    assert shown()[-1] == (3, "a2", 1, 2)
    assert store.select_version(ids["a2"], -1) == ids["a2"]  # the first stays the first
    assert store.select_version(ids["q1"], +5) == edited.id  # the last stays the last
    assert shown() == [(0, "q1 edited", 2, 2), (1, "a1 for the edit", 1, 1)]
    assert store.history(c.id) == (ChatMessage(Role.USER, "q1 edited"),
                                   ChatMessage(Role.ASSISTANT, "a1 for the edit"))
    assert store.get_conversation(c.id).message_count == 7
    with pytest.raises(NotFoundError):
        store.add_message(c.id, Role.USER, "x", version_of="nope")


def test_versions_survive_a_restart(db_path: Path, clock: Clock) -> None:
    with ConversationStore(db_path, clock=clock) as first:
        c = first.create_conversation("Chat")
        first.add_message(c.id, Role.USER, "q")
        a1 = first.add_message(c.id, Role.ASSISTANT, "a1")
        first.add_message(c.id, Role.ASSISTANT, "a2", version_of=a1.id)
        first.select_version(a1.id, 0)
        before = first.messages(c.id)
    with ConversationStore(db_path, clock=clock) as second:
        assert second.messages(c.id) == before
        assert [(m.content, m.version, m.versions) for m in before] == [("q", 1, 1),
                                                                         ("a1", 1, 2)]


def test_deleting_a_conversation_deletes_every_version_and_attachment(
        store: ConversationStore, db_path: Path) -> None:
    c = store.create_conversation("Chat")
    q = store.add_message(c.id, Role.USER, "q", attachments=[NOTES])
    store.add_message(c.id, Role.USER, "q2", version_of=q.id, attachments=[NOTES])
    store.delete_conversation(c.id)
    assert raw(db_path, "SELECT COUNT(*) FROM messages") == [(0,)]
    assert raw(db_path, "SELECT COUNT(*) FROM attachments") == [(0,)]


def test_attachments_are_kept_with_their_message_in_order(db_path: Path, clock: Clock) -> None:
    pdf = Attachment("报告.pdf", AttachmentKind.PDF, 20480, "第一页\n\nPage two", 12,
                     truncated=True)
    with ConversationStore(db_path, clock=clock) as store:
        c = store.create_conversation("Chat")
        q = store.add_message(c.id, Role.USER, "Summarize these", attachments=[NOTES, pdf])
        assert q.attachments == (NOTES, pdf)
    with ConversationStore(db_path, clock=clock) as store:
        assert store.messages(c.id)[0].attachments == (NOTES, pdf)
        assert store.get_message(q.id).attachments == (NOTES, pdf)
        assert store.history(c.id) == (
            ChatMessage(Role.USER, "Summarize these", attachments=(NOTES, pdf)),)
    # The text is in the database, not a path.
    assert raw(db_path, "SELECT name, kind, size, tokens, truncated, content FROM attachments "
                        "ORDER BY position") == [
        ("notes.md", "text", 42, 9, 0, "# Notes\nbuy milk"),
        ("报告.pdf", "pdf", 20480, 12, 1, "第一页\n\nPage two")]


def test_search_finds_attachments_by_name(store: ConversationStore) -> None:
    c = store.create_conversation("Groceries")
    store.add_message(c.id, Role.USER, "What do I need?", attachments=[NOTES])
    store.create_conversation("Other")
    assert [x.title for x in store.conversations("NOTES.MD")] == ["Groceries"]
    assert [x.title for x in store.conversations("buy milk")] == []  # the name, not the text


def test_a_conversation_keeps_its_own_system_prompt_and_sampling(db_path: Path,
                                                                 clock: Clock) -> None:
    warm = Sampling(temperature=0.9, top_p=0.8, top_k=40)
    with ConversationStore(db_path, clock=clock) as store:
        c = store.create_conversation("Chat", system_prompt="Answer in French.")
        assert (c.system_prompt, c.sampling) == ("Answer in French.", None)
        store.set_sampling(c.id, warm)
        plain = store.create_conversation("Plain")
        store.set_system_prompt(plain.id, "")  # none at all, whatever the default says
    with ConversationStore(db_path, clock=clock) as store:
        got = store.get_conversation(c.id)
        assert (got.system_prompt, got.sampling) == ("Answer in French.", warm)
        assert store.get_conversation(plain.id).system_prompt == ""
        store.set_system_prompt(c.id, None)
        store.set_sampling(c.id, None)
        assert (store.get_conversation(c.id).system_prompt,
                store.get_conversation(c.id).sampling) == (None, None)


def test_everything_survives_closing_and_reopening(db_path: Path, clock: Clock) -> None:
    with ConversationStore(db_path, clock=clock) as first:
        c = first.create_conversation("Persist", deep_thinking=True, model="R1")
        first.add_message(c.id, Role.USER, "question 问题")
        answer = first.add_message(c.id, Role.ASSISTANT, "", state=MessageState.STREAMING)
        first.finish_message(answer.id, content="answer", reasoning="why",
                             thinking_seconds=2.25, stats=STATS,
                             state=MessageState.CANCELLED, error="Stopped.")
        before = (first.conversations(), first.messages(c.id))
    with ConversationStore(db_path, clock=clock) as second:
        assert (second.conversations(), second.messages(c.id)) == before


def test_two_stores_on_one_file_see_each_other(db_path: Path) -> None:
    with ConversationStore(db_path) as gui, ConversationStore(db_path) as cli:
        c = gui.create_conversation("Shared")
        cli.add_message(c.id, Role.USER, "from the other one")
        assert [m.content for m in gui.messages(c.id)] == ["from the other one"]


# --- crash recovery ----------------------------------------------------------------------------

_WRITER = """
import sys
from pathlib import Path
from backend.chat.messages import MessageState, Role
from backend.store.conversations import ConversationStore

store = ConversationStore(Path(sys.argv[1]))
c = store.create_conversation("Crash")
store.add_message(c.id, Role.USER, "Tell me a story")
answer = store.add_message(c.id, Role.ASSISTANT, "", model="R1", state=MessageState.STREAMING)
text = ""
for i in range(3):
    text += f"part {i}. "
    store.save_stream(answer.id, text, "thinking " * (i + 1), 0.5 * i)
print("saved", flush=True)
sys.stdin.read()  # stay mid-answer, connection open, until killed
"""


def test_an_answer_killed_mid_stream_comes_back_interrupted(db_path: Path) -> None:
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(db_path)], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline() == "saved\n"
        writer.send_signal(signal.SIGKILL)
        assert writer.wait(timeout=10) == -signal.SIGKILL
    finally:
        writer.kill()
        writer.wait()
        for pipe in (writer.stdin, writer.stdout):
            if pipe is not None:
                pipe.close()
    with ConversationStore(db_path) as reopened:
        (conversation,) = reopened.conversations()
        _user, answer = reopened.messages(conversation.id)
        assert (answer.content, answer.reasoning, answer.thinking_seconds, answer.state,
                answer.model) == ("part 0. part 1. part 2. ", "thinking thinking thinking ", 1.0,
                                  MessageState.INTERRUPTED, "R1")
        assert reopened.history(conversation.id) == (
            ChatMessage(Role.USER, "Tell me a story"),
            ChatMessage(Role.ASSISTANT, "part 0. part 1. part 2. ",
                        "thinking thinking thinking "))


def test_a_live_writer_undoes_another_process_s_recovery(db_path: Path, clock: Clock) -> None:
    with ConversationStore(db_path, clock=clock) as writer:
        c = writer.create_conversation("Chat")
        answer = writer.add_message(c.id, Role.ASSISTANT, "", state=MessageState.STREAMING)
        # A second window opens the file while the first is still writing...
        with ConversationStore(db_path, clock=clock) as other:
            assert other.get_message(answer.id).state is MessageState.INTERRUPTED
            # ...and the writer's next save (within a second) marks it streaming again.
            assert writer.save_stream(answer.id, "more", "", None) is True
            assert other.get_message(answer.id).state is MessageState.STREAMING


# --- titles ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "title"), [
    ("How do I sort a list in Python?", "How do I sort a list in Python?"),
    ("\n\n   Explain   MoE\tmodels  \nwith details", "Explain MoE models"),
    ("Write a haiku about the sea, the wind, and the long night",
     "Write a haiku about the sea, the wind,…"),
    ("Supercalifragilisticexpialidocious-and-then-some-more-words",
     "Supercalifragilisticexpialidocious-and-…"),
    ("请帮我解释一下量子计算的基本原理以及它和经典计算的区别", "请帮我解释一下量子计算的基本原理以及它…"),
    ("用 Python 写一个快速排序", "用 Python 写一个快速排序"),
    ("", "New chat"),
    ("   \n\t\n", "New chat"),
])
def test_title_from_first_message(text: str, title: str) -> None:
    assert title_from_first_message(text) == title
