"""What a download job is: its `JobSpec` (saved between launches), its `JobState`, the `JobView`
the user sees, and the saved queue of unfinished jobs: a JSON file with a schema version,
rewritten atomically (a crash mid-write leaves the previous queue).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from backend.json_file import JsonFile

log = logging.getLogger(__name__)

FILE_NAME = "downloads.json"
SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class JobSpec:
    """What a job downloads; saved as it is so that the next launch resumes the same files."""

    id: str
    repo: str
    title: str
    quant: str | None = None
    paths: tuple[str, ...] = ()
    revision: str = "main"  # as asked (a branch, usually)
    commit: str | None = None  # pinned: every part comes from this commit
    destination: str | None = None  # a folder; None: the HF cache
    parts: tuple[str, ...] = ()  # its partial files, so they can be discarded without the hub
    paused: bool = False  # paused by the user: stays paused across launches


class JobAction(StrEnum):
    """What a failed job asks of the user."""

    NONE = ""
    RETRY = "retry"
    TOKEN = "token"  # enter a Hugging Face token, then retry
    DISK = "disk"  # free disk space, then retry


class JobState(StrEnum):
    QUEUED = "queued"
    PREPARING = "preparing"  # reading the file list from the hub
    DOWNLOADING = "downloading"
    VERIFYING = "verifying"  # hashing bytes already on disk before continuing
    RETRYING = "retrying"  # the connection dropped; the backend retries by itself
    PAUSED = "paused"
    CANCELLING = "cancelling"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INSTALLED = "installed"


ENDED = (JobState.CANCELLED, JobState.INSTALLED)  # nothing left to do: not saved


@dataclass(frozen=True, slots=True)
class DownloadRequest:
    """A download outside the catalog's options: a repo's quant, or files by path."""

    repo: str
    quant: str | None = None
    paths: tuple[str, ...] = ()
    revision: str = "main"
    title: str = ""


@dataclass(frozen=True, slots=True)
class JobView:
    """A job as the user sees it; replaced, never mutated, on every change."""

    id: str
    title: str
    repo: str
    quant: str | None
    state: JobState
    message: str = ""  # the error, or what the job is doing when its numbers don't say it
    action: JobAction = JobAction.NONE  # what a failure asks of the user
    hint: str = ""  # the action in one line, e.g. "Free 3.2 GB on /home and retry."
    done: int = 0
    total: int = 0
    file_path: str = ""
    file_index: int = 0
    file_count: int = 0
    file_done: int = 0
    file_total: int = 0
    speed_bps: float = 0.0
    eta_s: float | None = None
    model_path: str | None = None


def save_queue(path: Path, specs: list[JobSpec]) -> None:
    """Write the queue atomically; a failure is logged (the downloads go on regardless)."""
    jobs = [{**asdict(s), "paths": list(s.paths), "parts": list(s.parts)} for s in specs]
    try:
        JsonFile(path, SCHEMA_VERSION).write({"jobs": jobs})
    except OSError as err:
        log.warning("could not save the download queue to %s: %s", path, err)


def load_queue(path: Path) -> list[JobSpec]:
    """The saved queue; an unreadable file or entry is logged and skipped."""
    raw = JsonFile(path, SCHEMA_VERSION).read() or {}
    specs = []
    for entry in raw.get("jobs") or []:
        try:
            specs.append(_spec(entry))
        except (AttributeError, TypeError, ValueError) as err:
            log.warning("ignoring a malformed queued download %r: %s", entry, err)
    return specs


def _spec(entry: dict[str, Any]) -> JobSpec:
    def text(key: str, *, optional: bool = False) -> Any:
        value = entry.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value:
            raise ValueError(f"{key} must be a non-empty string")
        return value

    return JobSpec(
        id=text("id"),
        repo=text("repo"),
        title=text("title"),
        quant=text("quant", optional=True),
        paths=tuple(str(p) for p in entry.get("paths") or ()),
        revision=text("revision"),
        commit=text("commit", optional=True),
        destination=text("destination", optional=True),
        parts=tuple(str(p) for p in entry.get("parts") or ()),
        paused=bool(entry.get("paused", False)),
    )
