"""Received bytes written and hashed on a thread of their own, so the receiving thread only
receives: the network, the disk and sha256 then overlap, each releasing the GIL for its bulk.

Each chunk goes to a single writer thread as it arrives (so a stalled connection leaves nothing
unwritten), at most `depth` chunks ahead; leaving the `with` block waits until every received
byte is written, so a dropped connection resumes exactly after the last one. A failed write (a
full disk) stops the writes after it, and is raised in the receiving thread.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Self


class WriteBehind:
    def __init__(self, write: Callable[[bytes], None], *, depth: int = 256) -> None:
        self._write = write
        self._depth = depth
        self._pending: deque[Future[None]] = deque()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="download-writer")
        self._failed = False

    def add(self, chunk: bytes) -> None:
        """Queue `chunk` for writing; raises a failed earlier write's error."""
        while len(self._pending) >= self._depth or (self._pending and self._pending[0].done()):
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(self._write_in_order, chunk))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        """Wait for every write; a write's error wins over the receiving side's (a full disk
        is what the user must hear about)."""
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _write_in_order(self, data: bytes) -> None:
        if self._failed:
            return  # after a failed write, later bytes would land at the wrong offset
        self._failed = True
        self._write(data)
        self._failed = False
