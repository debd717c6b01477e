"""What a download job shares with whoever runs it: the control (pause, resume, cancel), the
events it reports as it goes, and its result.

The job runs on the caller's thread (a GUI worker, the CLI's main thread); `DownloadControl` is
the thread-safe way in from any other thread, and events are frozen values safe to hand across.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from enum import StrEnum


class DownloadControl:
    """Pause, resume and cancel a running job from any thread.

    Pausing closes the connection at the next chunk; resuming reopens it with a Range request.
    Cancelling stops at the next chunk (or during a retry wait) and keeps the partial files, so
    a later download of the same files resumes; `cancel(discard_partial=True)` deletes them.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._paused = False
        self._cancelled = False
        self._discard = False

    def pause(self) -> None:
        with self._lock:
            self._paused = True
            self._wake.notify_all()

    def resume(self) -> None:
        with self._lock:
            self._paused = False
            self._wake.notify_all()

    def cancel(self, discard_partial: bool = False) -> None:
        with self._lock:
            self._cancelled = True
            self._discard = discard_partial
            self._wake.notify_all()

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    @property
    def discard_partial(self) -> bool:
        return self._discard

    def should_stop(self) -> bool:
        """Whether the job must leave its transfer loop now (cancel or pause)."""
        return self._cancelled or self._paused

    def wait_while_paused(self) -> bool:
        """Block until resumed; False if cancelled instead."""
        with self._lock:
            while self._paused and not self._cancelled:
                self._wake.wait()
            return not self._cancelled

    def sleep(self, seconds: float) -> bool:
        """Wait out a retry delay; False as soon as the job is cancelled."""
        deadline = time.monotonic() + seconds
        with self._lock:
            while not self._cancelled:
                left = deadline - time.monotonic()
                if left <= 0:
                    return True
                self._wake.wait(left)
            return False


class DownloadOutcome(StrEnum):
    """How a download job ended (an error is raised instead)."""

    COMPLETED = "completed"  # every file is in place and verified
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class DownloadProgress:
    """Bytes of the current file and of the whole job; speed over the last few seconds."""

    path: str
    file_index: int  # 1-based
    file_count: int
    file_done: int
    file_total: int
    done: int
    total: int
    speed_bps: float
    eta_s: float | None  # None until a speed is known


@dataclass(frozen=True, slots=True)
class JobStarted:
    repo: str
    commit: str
    file_count: int
    total: int
    present: int  # bytes already here (verified files and partial files)
    destination: str


@dataclass(frozen=True, slots=True)
class FileStarted:
    path: str
    size: int
    resume_from: int  # bytes of a partial file being continued


@dataclass(frozen=True, slots=True)
class Verifying:
    """Hashing bytes already on disk: a partial file being resumed, or a file found in place."""

    path: str
    size: int


@dataclass(frozen=True, slots=True)
class Retrying:
    path: str
    attempt: int
    max_attempts: int
    delay_s: float
    reason: str
    resume_from: int


@dataclass(frozen=True, slots=True)
class Paused:
    path: str


@dataclass(frozen=True, slots=True)
class Resumed:
    path: str


@dataclass(frozen=True, slots=True)
class FileVerified:
    path: str
    local_path: str
    sha256: str
    reused: bool  # already present and valid: nothing was downloaded


@dataclass(frozen=True, slots=True)
class InstalledFile:
    path: str
    local_path: str
    size: int
    digest: str


@dataclass(frozen=True, slots=True)
class DownloadResult:
    reason: DownloadOutcome
    repo: str
    commit: str
    files: tuple[InstalledFile, ...]
    model_path: str | None  # what to load: part 1 of the first model, None if cancelled

    @property
    def completed(self) -> bool:
        return self.reason is DownloadOutcome.COMPLETED


@dataclass(frozen=True, slots=True)
class JobFinished:
    result: DownloadResult


DownloadEvent = (
    JobStarted
    | FileStarted
    | Verifying
    | DownloadProgress
    | Retrying
    | Paused
    | Resumed
    | FileVerified
    | JobFinished
)


class SpeedMeter:
    """Bytes per second over a sliding window, so a stall shows as a falling speed."""

    def __init__(self, window_s: float = 5.0) -> None:
        self._window = window_s
        self._samples: deque[tuple[float, int]] = deque()
        self._total = 0

    def add(self, n: int, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._total += n
        self._samples.append((now, self._total))
        while len(self._samples) > 2 and now - self._samples[0][0] > self._window:
            self._samples.popleft()

    def speed(self, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        if len(self._samples) < 2:
            return 0.0
        t0, b0 = self._samples[0]
        elapsed = max(now - t0, 1e-6)
        return (self._total - b0) / elapsed
