"""The bridge from the engine's thread to one HTTP request's handler.

The engine's thread drops what it writes into the inbox; the handler's event loop is woken only
when it waits for it, and a handler that wants the whole answer only when the answer is
complete. A streaming handler takes everything that arrived since its last look, at most every
`STREAM_INTERVAL_S`: a fast model then sends several tokens per chunk instead of waking the
event loop once per token, which on a machine with few cores would steal time from llama.cpp's
own threads (the window batches its updates the same way).
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque

from backend.chat.events import Finished
from backend.serve.engine_queue import JobFailed, JobItem

STREAM_INTERVAL_S = 0.05


class Inbox:
    def __init__(self, loop: asyncio.AbstractEventLoop, *, whole: bool) -> None:
        """`whole`: the handler wants the complete answer, not pieces."""
        self._loop = loop
        self._whole = whole
        self._lock = threading.Lock()
        self._items: deque[JobItem] = deque()
        self._ended = False
        self._waiting = False
        self._event = asyncio.Event()

    def put(self, item: JobItem) -> None:
        """On the engine's thread (the job's sink)."""
        with self._lock:
            self._items.append(item)
            end = isinstance(item, Finished | JobFailed)
            self._ended = self._ended or end
            wake = self._waiting and (end or not self._whole)
            if wake:
                self._waiting = False
        if wake:
            try:
                self._loop.call_soon_threadsafe(self._event.set)
            except RuntimeError:
                pass  # the event loop is closed: the server stopped, the client is gone

    async def take(self) -> list[JobItem]:
        """What arrived since the last call (waiting until there is something; for a whole
        answer, until it is complete)."""
        while True:
            with self._lock:
                if self._items and (self._ended or not self._whole):
                    batch = list(self._items)
                    self._items.clear()
                    return batch
                self._waiting = True
                self._event.clear()
            await self._event.wait()
