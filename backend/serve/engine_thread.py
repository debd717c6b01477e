"""The engine's own thread for `serve` (headless): it loads the model, then runs server jobs one
at a time, in order. (In the app, the generation worker's thread plays this part.)

Work arrives as callables on a queue; `load` returns a `Future`. Stopping cancels a load in
progress, lets the running job end (its cancel flag is set by the queue) and frees the model on
this thread. A bug ends the thread with its traceback (`threading.excepthook`); `alive` tells.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from backend.engine.local_engine import LoadCancelled, LoadedModel, LoadSettings, LocalEngine
from backend.errors import AppError
from backend.serve.engine_queue import Job

_STOP = None


class EngineThread:
    def __init__(self, engine: LocalEngine | None = None) -> None:
        self.engine = engine or LocalEngine()
        self._work: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="engine", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def load(self, path: str | Path, settings: LoadSettings,
             progress: Callable[[float], None] | None = None) -> Future[LoadedModel]:
        """Load on the engine's thread; the future holds the `LoadedModel`, an `AppError` or
        `LoadCancelled`."""
        future: Future[LoadedModel] = Future()

        def work() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(self.engine.load(path, settings, progress=progress))
            except (AppError, LoadCancelled) as exc:
                future.set_exception(exc)

        self._work.put(work)
        return future

    def dispatch(self, job: Job) -> None:
        """Run `job` after the work queued before it (`EngineQueue`'s dispatch)."""
        self._work.put(lambda: job.run(self.engine))

    def stop(self, timeout: float = 2.0) -> bool:
        """Cancel a load, free the model once the running job ended, and join. True if the
        thread ended within `timeout`."""
        self.engine.cancel_load()
        self.engine.cancel()
        self._work.put(_STOP)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            while (work := self._work.get()) is not _STOP:
                work()
        finally:
            self.engine.unload()
