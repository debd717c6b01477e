"""The SQLite side of the conversation store: schema migrations, opening, damaged files, errors.

Opening sets WAL mode, migrates the schema (PRAGMA user_version) and marks answers a crash cut
short as 'interrupted'. A file that is not a database is moved aside with its -wal/-shm files,
never deleted, and a new one started.
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Concatenate, Protocol

from backend.errors import AppError
from backend.i18n import translate

log = logging.getLogger(__name__)

_SQLITE_MAGIC = b"SQLite format 3\x00"


class StoreError(AppError, RuntimeError):
    """The conversation database could not be opened or written."""


class StoreDamagedError(StoreError):
    """The database file was damaged: it was moved aside and an empty one started in its place."""


def _schema_v1(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE conversations (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            deep_thinking INTEGER NOT NULL DEFAULT 0,
            model TEXT,
            engine TEXT NOT NULL DEFAULT 'local'
        )"""
    )
    db.execute("CREATE INDEX conversations_by_use ON conversations (updated_at)")
    # No CHECK on role or state: SQLite cannot alter a CHECK without rebuilding the table, and
    # the store's enums already guard what is written.
    db.execute(
        """CREATE TABLE messages (
            id TEXT PRIMARY KEY,
            conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            role TEXT NOT NULL,
            content TEXT NOT NULL DEFAULT '',
            reasoning TEXT NOT NULL DEFAULT '',
            thinking_seconds REAL,
            model TEXT,
            stats TEXT,
            state TEXT NOT NULL DEFAULT 'complete',
            error TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )"""
    )
    db.execute("CREATE UNIQUE INDEX messages_in_order ON messages (conversation_id, position)")


def _finish_reason_v2(db: sqlite3.Connection) -> None:
    """Why an answer ended becomes a value (`finish_reason`: stop, length, cancelled) instead of
    English text in `error` ("Stopped.", "The answer reached the length limit."), which could not
    follow a change of interface language; `error` keeps only real errors."""
    db.execute("ALTER TABLE messages ADD COLUMN finish_reason TEXT")
    db.execute("UPDATE messages SET finish_reason = 'cancelled', error = NULL "
               "WHERE error = 'Stopped.'")
    db.execute("UPDATE messages SET finish_reason = 'length', error = NULL "
               "WHERE error = 'The answer reached the length limit.'")
    db.execute("UPDATE messages SET finish_reason = 'cancelled' "
               "WHERE state = 'cancelled' AND finish_reason IS NULL")
    db.execute("UPDATE messages SET finish_reason = coalesce(json_extract(stats, "
               "'$.finish_reason'), 'stop') WHERE role = 'assistant' AND state = 'complete' "
               "AND finish_reason IS NULL")


def _versions_attachments_presets_v3(db: sqlite3.Connection) -> None:
    """Answer versions, attached files, and a conversation's own system prompt and sampling.

    Messages become a tree: `parent_id` is the message a message follows (NULL for the first), so
    one position holds every version of a turn (regenerated answers, edited questions) and later
    turns belong to the version they followed. Among siblings the one with the highest
    `selected` (a per-conversation counter, bumped on each choice) is shown; `position` stays the
    depth. `attachments` keeps each attached file's text (never a path). A conversation's
    `system_prompt` (NULL: the default from Settings) and `sampling` (JSON; NULL: the model
    family's settings) override the defaults."""
    db.execute("ALTER TABLE messages ADD COLUMN parent_id TEXT "
               "REFERENCES messages (id) ON DELETE CASCADE")
    db.execute("ALTER TABLE messages ADD COLUMN selected INTEGER NOT NULL DEFAULT 0")
    db.execute("UPDATE messages SET parent_id = (SELECT p.id FROM messages p "
               "WHERE p.conversation_id = messages.conversation_id "
               "AND p.position < messages.position ORDER BY p.position DESC LIMIT 1)")
    db.execute("DROP INDEX messages_in_order")  # unique: a position now holds every version
    db.execute("CREATE INDEX messages_by_depth ON messages (conversation_id, position)")
    db.execute("CREATE INDEX messages_by_parent ON messages (parent_id)")
    db.execute(
        """CREATE TABLE attachments (
            message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            size INTEGER NOT NULL,
            tokens INTEGER NOT NULL,
            truncated INTEGER NOT NULL DEFAULT 0,
            content TEXT NOT NULL,
            PRIMARY KEY (message_id, position)
        )"""
    )
    db.execute("ALTER TABLE conversations ADD COLUMN system_prompt TEXT")
    db.execute("ALTER TABLE conversations ADD COLUMN sampling TEXT")


def _reasoning_effort_v4(db: sqlite3.Connection) -> None:
    # Per conversation, the reasoning effort asked with deep thinking ("high", "max");
    # NULL: the model's default.
    db.execute("ALTER TABLE conversations ADD COLUMN reasoning_effort TEXT")


# MIGRATIONS[n] takes a database from schema version n to n + 1 (PRAGMA user_version), inside
# one transaction. To change the schema, append a function; never edit a released one.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _schema_v1, _finish_reason_v2, _versions_attachments_presets_v3, _reasoning_effort_v4,
]

def open_database(path: Path, clock: Callable[[], float]) -> sqlite3.Connection:
    """Open (creating or migrating) the database at `path`.

    Raises `StoreDamagedError` when the file is not a usable database: it has then been moved
    aside and a new, empty one created, so opening again succeeds. Raises `StoreError` when it
    cannot be opened at all (permissions, a newer schema).
    """
    try:
        return _connect(path, clock)
    except sqlite3.DatabaseError as exc:
        if not _is_damage(exc):
            raise _unavailable(path, exc) from exc
        aside = _move_aside(path, clock())
        try:
            _connect(path, clock).close()
        except (sqlite3.DatabaseError, OSError) as again:
            raise _unavailable(path, again) from exc
        log.warning("conversation database %s damaged (%s); moved to %s", path, exc, aside)
        raise StoreDamagedError(translate(
            "StoreDb",
            "The conversation database at {path} is damaged ({error}). It was moved aside to "
            "{aside}; a new, empty one was started. Nothing was deleted.",
        ).format(path=path, error=exc, aside=aside)) from exc
    except OSError as exc:
        raise _unavailable(path, exc) from exc


class _HasPath(Protocol):
    path: Path


def reports[S: _HasPath, **P, R](
    action: Callable[[], str],
) -> Callable[[Callable[Concatenate[S, P], R]], Callable[Concatenate[S, P], R]]:
    """Turn SQLite's operational failures (disk full, read-only, locked) into a `StoreError`.

    `action` gives what was being done, in the interface language, e.g. "save the answer".
    """

    def decorate(
        method: Callable[Concatenate[S, P], R],
    ) -> Callable[Concatenate[S, P], R]:
        @functools.wraps(method)
        def wrapper(self: S, *args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return method(self, *args, **kwargs)
            except sqlite3.DatabaseError as exc:
                if not isinstance(exc, sqlite3.OperationalError) and not _is_damage(exc):
                    raise  # misuse (closed store, constraint) is a bug, not a user error
                raise StoreError(translate(
                    "StoreDb",
                    "Could not {action} in the conversation database at {path} ({error}). {hint}",
                ).format(action=action(), path=self.path, error=exc, hint=_hint(exc))) from exc

        return wrapper  # type: ignore[return-value]  # functools.wraps' type hides the signature

    return decorate


class _NotADatabase(sqlite3.DatabaseError):
    sqlite_errorcode = sqlite3.SQLITE_NOTADB


def _connect(path: Path, clock: Callable[[], float]) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Checked before SQLite sees the file: on closing a connection to a file that is not a
    # database, SQLite deletes the -wal file beside it, and nothing may be deleted.
    if path.is_file() and path.stat().st_size:
        with path.open("rb") as f:
            if f.read(len(_SQLITE_MAGIC)) != _SQLITE_MAGIC:
                raise _NotADatabase("file is not a database")
    _make_private(path)
    # autocommit: each statement is its own transaction unless the store opens one.
    # timeout: another process holding the write lock is waited for, not reported.
    db = sqlite3.connect(path, timeout=5.0, autocommit=True)
    with ExitStack() as on_failure:
        on_failure.callback(db.close)
        db.row_factory = sqlite3.Row
        db.create_function("casefold", 1, _casefold, deterministic=True)
        db.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL loses no commit when the app is killed, only on power loss.
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        _migrate(db, path)
        interrupted = db.execute(
            "UPDATE messages SET state = 'interrupted', updated_at = ? WHERE state = 'streaming'",
            (clock(),),
        ).rowcount
        if interrupted:
            log.info("%d answer(s) cut short by a crash marked interrupted", interrupted)
        on_failure.pop_all()
    return db


@contextmanager
def write_transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK if the block raised. IMMEDIATE takes the write
    lock up front, so a second process waits (busy timeout) instead of failing halfway."""
    db.execute("BEGIN IMMEDIATE")
    with ExitStack() as on_failure:
        on_failure.callback(_roll_back, db)
        yield
        on_failure.pop_all()
    db.execute("COMMIT")


def _roll_back(db: sqlite3.Connection) -> None:
    if db.in_transaction:  # SQLite has already rolled back after some errors (SQLITE_FULL)
        db.execute("ROLLBACK")


def _migrate(db: sqlite3.Connection, path: Path) -> None:
    latest = len(MIGRATIONS)
    while True:
        (version,) = db.execute("PRAGMA user_version").fetchone()
        if version > latest:
            raise StoreError(translate(
                "StoreDb",
                "The conversation database at {path} was written by a newer version of DeepSeek "
                "Local (schema {version}; this version reads up to {latest}). Update the app.",
            ).format(path=path, version=version, latest=latest))
        if version == latest:
            return
        with write_transaction(db):
            # Re-read under the write lock: another process may have migrated meanwhile.
            (version,) = db.execute("PRAGMA user_version").fetchone()
            if version < latest:
                MIGRATIONS[version](db)
                db.execute(f"PRAGMA user_version = {version + 1}")


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def _hint(exc: sqlite3.DatabaseError) -> str:
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code == sqlite3.SQLITE_FULL:
        return translate("StoreDb", "Free some disk space and try again.")
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return translate("StoreDb",
                         "Another copy of DeepSeek Local is using it; try again in a moment.")
    if _is_damage(exc):
        return translate(
            "StoreDb",
            "The file is damaged: quit the app and start it again; it will be moved aside.",
        )
    return translate("StoreDb", "Check that the disk and the folder are writable, then try again.")


def _unavailable(path: Path, exc: BaseException) -> StoreError:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return StoreError(translate(
        "StoreDb",
        "The conversation database at {path} cannot be opened ({reason}). Check that the file "
        "and its folder are readable and writable.",
    ).format(path=path, reason=reason))


def _move_aside(path: Path, now: float) -> Path:
    """Rename the damaged file (and its -wal/-shm companions, kept paired with it)."""
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    path.replace(aside)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.replace(aside.with_name(aside.name + suffix))
            _chmod_private(aside.with_name(aside.name + suffix))
    _chmod_private(aside)
    return aside


def _make_private(path: Path) -> None:
    """Conversations are private (mode 0600), like the settings. SQLite gives its -wal and -shm
    files the database's mode, so the database is created 0600 before SQLite opens it, and a
    file an older version made readable by others is closed up."""
    if not path.exists():
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        _chmod_private(path.with_name(name))


def _chmod_private(path: Path) -> None:
    if sys.platform != "win32" and path.exists() and path.stat().st_mode & 0o077:
        path.chmod(0o600)


def _casefold(text: object) -> Any:  # whatever SQLite handed in
    return text.casefold() if isinstance(text, str) else text
