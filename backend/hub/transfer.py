"""One file's transfer: ranged GETs into a content-keyed `.part` file, hashed as the bytes arrive,
retried with backoff when the connection drops or stalls, checked (size and hash) at the end.

A partial file outlives the process. A later run re-reads it once to rebuild the hash (hashlib
state cannot be saved: this is the only second read of any byte) and asks for the rest with
`Range: bytes=N-`. Only a file whose every byte matched the hub's hash leaves `.part`.
"""

from __future__ import annotations

import errno
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from backend.file_lock import FileLock
from backend.hub.client import Hub, RangeNotSatisfiableError, RemoteFile, TransientNetworkError
from backend.hub.download_errors import (
    ChecksumMismatchError,
    DiskFullError,
    DownloadInProgressError,
    HubUnreachableError,
    SizeMismatchError,
)
from backend.hub.transfer_events import (
    DownloadControl,
    DownloadEvent,
    DownloadProgress,
    Paused,
    Resumed,
    Retrying,
    SpeedMeter,
    Verifying,
)
from backend.hub.verify import StreamHasher, expected_hash, feed_file, short
from backend.hub.write_behind import WriteBehind
from backend.i18n import translate
from backend.retry import Backoff
from backend.units import format_bytes

log = logging.getLogger(__name__)

Emit = Callable[[DownloadEvent], None]
OpenPart = Callable[[Path], BinaryIO]
_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


DOWNLOAD_BACKOFF = Backoff(attempts=9, base_delay_s=1.0, max_delay_s=60.0, retry_after_limit_s=None)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    # Counted in tries without a single new byte (a try that brings bytes starts over); a
    # server's Retry-After is always sat out: a download has time.
    backoff: Backoff = DOWNLOAD_BACKOFF
    stall_timeout_s: float = 30.0  # no byte for this long counts as a dropped connection


PART_SUFFIX = ".part"


def part_name(etag: str) -> str:
    """A partial file's name: by content, so a changed upstream file never resumes old bytes."""
    return etag + PART_SUFFIX


def lock_of(part: Path) -> Path:
    """The lock file that keeps a second process from appending to the same partial file."""
    return part.with_name(part.name + ".lock")


def discard_partial(part: Path) -> None:
    """Delete a partial file and its lock; a file that cannot be deleted is logged, kept."""
    for path in (part, lock_of(part)):
        try:
            path.unlink(missing_ok=True)
        except OSError as err:
            log.warning("could not delete the partial file %s: %s", path, err.strerror)


def open_part(path: Path) -> BinaryIO:
    """The partial file for writing at any offset, created if missing, never truncated."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
    return os.fdopen(fd, "r+b", buffering=0)


class JobProgress:
    """Counts bytes for the whole job and emits `DownloadProgress` at most every `interval_s`."""

    def __init__(self, emit: Emit, file_count: int, total: int, interval_s: float = 0.2) -> None:
        self._emit = emit
        self._file_count = file_count
        self.total = total
        self.done = 0
        self._interval = interval_s
        self._last = 0.0
        self._meter = SpeedMeter()
        self._path = ""
        self._index = 0
        self._file_done = 0
        self._file_total = 0

    def start_file(self, path: str, index: int, size: int, done_in_file: int) -> None:
        self._path, self._index, self._file_total, self._file_done = path, index, size, done_in_file

    def add(self, n: int, *, count_speed: bool = True) -> None:
        self.done += n
        self._file_done += n
        if count_speed:
            self._meter.add(n)
        now = time.monotonic()
        if now - self._last >= self._interval:
            self._last = now
            self.emit()

    def rewind(self, n: int) -> None:
        """The server ignored a Range request: bytes counted as present are being fetched again."""
        self.done -= n
        self._file_done -= n

    def emit(self) -> None:
        speed = self._meter.speed()
        left = self.total - self.done
        self._emit(
            DownloadProgress(
                path=self._path,
                file_index=self._index,
                file_count=self._file_count,
                file_done=self._file_done,
                file_total=self._file_total,
                done=self.done,
                total=self.total,
                speed_bps=speed,
                eta_s=left / speed if speed > 0 else None,
            )
        )


class FileTransfer:
    """Fetch one file into `part` and return its verified digest (None if cancelled)."""

    def __init__(
        self,
        hub: Hub,
        repo: str,
        commit: str,
        file: RemoteFile,
        part: Path,
        *,
        control: DownloadControl,
        policy: RetryPolicy,
        emit: Emit,
        progress: JobProgress,
        open_part: OpenPart = open_part,
    ) -> None:
        self.hub, self.repo, self.commit, self.file, self.part = hub, repo, commit, file, part
        self.control, self.policy, self.emit, self.progress = control, policy, emit, progress
        self.open_part = open_part
        self.offset = 0  # bytes written to `part` and fed to the hasher, always both

    def run(self) -> str | None:
        lock = FileLock(lock_of(self.part))
        if not lock.acquire(blocking=False):
            raise DownloadInProgressError(
                translate(
                    "DownloadJob",
                    "{name} is already being downloaded by another DeepSeek Local process. "
                    "Wait for it to finish (or close it), then try again.",
                ).format(name=self.file.name)
            )
        try:
            return self._run_locked()
        finally:
            lock.release()

    def _run_locked(self) -> str | None:
        kind, expected = expected_hash(self.file)
        size = self.file.size
        present = self.part.stat().st_size if self.part.exists() else 0
        if present > size:  # not a prefix of this file: start over
            self.part.unlink()
            present = 0
        hasher = StreamHasher(kind, size)
        try:
            if present:
                # The one second read: hashlib state cannot be saved, so rebuild it from disk.
                self.emit(Verifying(self.file.path, present))
                counted = feed_file(
                    hasher,
                    self.part,
                    present,
                    on_bytes=lambda n: self.progress.add(n, count_speed=False),
                    should_stop=self._cancelled,
                )
                if not counted:
                    return None
            self.offset = present
            with self.open_part(self.part) as out:
                if not self._transfer(out, hasher):
                    return None
            digest = hasher.hexdigest()
        finally:
            hasher.close()
        if self.offset != size:
            self.part.unlink(missing_ok=True)
            raise SizeMismatchError(
                translate(
                    "DownloadJob",
                    "{name} from {repo} has {got} bytes, the hub announced "
                    "{size}; the file was removed. Download it again.",
                ).format(name=self.file.name, repo=self.repo, got=self.offset, size=size)
            )
        if digest != expected:
            self.part.unlink(missing_ok=True)
            raise ChecksumMismatchError(
                translate(
                    "DownloadJob",
                    "Checksum mismatch for {name} (expected {expected}, got "
                    "{got}); the damaged file was removed. Download it again.",
                ).format(name=self.file.name, expected=short(expected), got=short(digest))
            )
        return digest

    def _cancelled(self) -> bool:
        return self.control.cancelled

    def _transfer(self, out: BinaryIO, hasher: StreamHasher) -> bool:
        """Receive until the file is complete; False if cancelled."""
        size = self.file.size
        failures = 0
        while self.offset < size:
            if self.control.paused:
                self.progress.emit()
                self.emit(Paused(self.file.path))
                if not self.control.wait_while_paused():
                    return False
                self.emit(Resumed(self.file.path))
            if self.control.cancelled:
                return False
            before = self.offset
            try:
                self._receive_to_end(out, hasher, size)
            except RangeNotSatisfiableError:
                self._restart(out, hasher)
                continue
            except TransientNetworkError as err:
                failures = 1 if self.offset > before else failures + 1
                delay = self.policy.backoff.delay(failures, err.retry_after)
                if delay is None:
                    raise HubUnreachableError(
                        translate(
                            "DownloadJob",
                            "Downloading {name} from {repo} failed {failures} times in "
                            "a row ({reason}). {done} of {size} bytes are kept: check "
                            "your connection and run the download again to resume.",
                        ).format(
                            name=self.file.name,
                            repo=self.repo,
                            failures=failures,
                            reason=err.reason,
                            done=self.offset,
                            size=size,
                        )
                    ) from err
                self.emit(
                    Retrying(
                        self.file.path,
                        failures,
                        self.policy.backoff.attempts - 1,
                        delay,
                        err.reason,
                        self.offset,
                    )
                )
                if not self.control.sleep(delay):
                    return False
        return True

    def _receive_to_end(self, out: BinaryIO, hasher: StreamHasher, size: int) -> None:
        """`_receive`, and a retryable error if the server stopped before the last byte."""
        self._receive(out, hasher)
        if self.offset < size and not self.control.should_stop():
            raise TransientNetworkError(
                translate("DownloadJob", "the server closed the connection early")
            )

    def _receive(self, out: BinaryIO, hasher: StreamHasher) -> None:
        """One GET from `self.offset`: count every chunk as it arrives; a writer thread writes
        and hashes them (`WriteBehind`), and `self.offset` follows what is written."""
        size = self.file.size
        with self.hub.open_range(
            self.repo,
            self.file,
            self.commit,
            self.offset,
            stall_timeout=self.policy.stall_timeout_s,
        ) as stream:
            if stream.offset != self.offset:  # Range ignored: the body starts at byte 0
                self._restart(out, hasher)
            out.seek(self.offset)
            received = self.offset

            def write(data: bytes) -> None:  # on the writer thread, in order
                self._write(out, data)
                hasher.update(data)
                self.offset += len(data)

            with WriteBehind(write) as sink:
                for chunk in stream.chunks():
                    if received + len(chunk) > size:
                        raise SizeMismatchError(
                            translate(
                                "DownloadJob",
                                "The hub sent more than the announced {size} bytes of {name} "
                                "from {repo}. Download it again later.",
                            ).format(size=size, name=self.file.name, repo=self.repo)
                        )
                    sink.add(chunk)
                    received += len(chunk)
                    self.progress.add(len(chunk))
                    if self.control.should_stop():
                        return

    def _write(self, out: BinaryIO, chunk: bytes) -> None:
        view = memoryview(chunk)
        try:
            while view:
                written = out.write(view)
                view = view[written or 0 :]
        except OSError as err:
            if err.errno not in _DISK_FULL:
                raise
            # Keep only whole chunks, so the file stays a prefix the next run can resume from.
            try:
                out.truncate(self.offset)
            except OSError:
                pass
            raise DiskFullError(
                translate(
                    "DownloadJob",
                    "The disk is full: writing {name} to {folder} failed after "
                    "{done} of {size} bytes. The partial file was kept; free up at "
                    "least {missing} and run the download again to resume.",
                ).format(
                    name=self.file.name,
                    folder=self.part.parent,
                    done=self.offset,
                    size=self.file.size,
                    missing=format_bytes(self.file.size - self.offset),
                )
            ) from err

    def _restart(self, out: BinaryIO, hasher: StreamHasher) -> None:
        """Drop the partial bytes (the server ignored Range, or answered 416) and start at 0."""
        out.seek(0)
        out.truncate(0)
        hasher.reset()
        self.progress.rewind(self.offset)
        self.offset = 0

