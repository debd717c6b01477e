"""The generation worker: one long-lived thread that owns the model (llama.cpp is not thread-safe).

Lifecycle: `GenerationThread.start()` moves a `GenerationWorker` onto its own QThread. Requests
arrive through queued signals (load, generate, unload); results leave through the worker's
signals, batched so the GUI gets at most one text update per ~30 ms. Stopping is a thread-safe
flag (`cancel`, `cancel_load`) set directly from the GUI thread: a queued "stop" slot would only
run after the generation it should stop. `shutdown` cancels, unloads on the worker and joins.

Connect the worker's signals only to slots of QObjects living on the GUI thread (never to
lambdas: in PySide6 those run on the worker thread).

The API server's requests (`backend.serve` jobs) run here too, on the same engine and KV cache:
`GenerationThread.serve` (safe from the server's thread) queues them through a signal, so Qt's
event queue runs them in order with the window's own answers. `server_jobs` counts those
queued or running, so the window can say that its answer waits for one. The window's Stop
stops only its own answers; the server cancels its jobs through their own flags.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.gui.crash import bug_notice, reporting_bugs
from backend.chat.events import AnswerDelta, Engine, Finished, Heartbeat, ReasoningDelta
from backend.chat.messages import LOCAL_ENGINE, ChatRequest, EngineRef
from backend.engine.local_engine import LoadCancelled, LoadSettings, LocalEngine
from backend.engine.offload import Machine
from backend.errors import AppError
from backend.serve.engine_queue import Job

log = logging.getLogger(__name__)

# Text crosses to the GUI thread at most ten times a second: the view shows it no more often
# (see ViewFeed), and each crossing costs the GUI thread, and so the decode, ~0.5 ms.
BATCH_SECONDS = 0.1


@dataclass(frozen=True, slots=True)
class LoadRequest:
    path: Path
    settings: LoadSettings
    machine: Machine | None = None  # None: probe this machine


@dataclass(frozen=True, slots=True)
class GenerateRequest:
    id: str  # the assistant message being written
    chat: ChatRequest
    engine: EngineRef = LOCAL_ENGINE  # the llama.cpp model, or a server connection


class GenerationWorker(QObject):
    """Runs on the generation thread.

    Signals:
        load_progress(float): 0..1 while loading.
        loaded(object): a `LoadedModel`.
        load_failed(str): the user-facing reason.
        load_cancelled().
        unloaded().
        started(str): request id: its answer begins (it no longer waits behind another).
        reasoning(str, str): request id, a batch of reasoning text.
        answer(str, str): request id, a batch of answer text.
        finished(str, object): request id, `GenerationStats`.
        failed(str, str): request id, the user-facing reason.
        tokens_counted(str, int): a count's key, the text's length in the loaded model's tokens
            (-1: no model is loaded).
    """

    load_progress = Signal(float)
    loaded = Signal(object)
    load_failed = Signal(str)
    load_cancelled = Signal()
    unloaded = Signal()
    started = Signal(str)
    reasoning = Signal(str, str)
    answer = Signal(str, str)
    finished = Signal(str, object)
    failed = Signal(str, str)
    tokens_counted = Signal(str, int)

    def __init__(self, engine: LocalEngine | None = None) -> None:
        super().__init__()
        self.engine = engine or LocalEngine()
        self._last_progress = 0.0
        self._stops: dict[str, threading.Event] = {}
        self._stops_lock = threading.Lock()  # also guards the two below
        self._remotes: dict[EngineRef, Engine] = {}  # the engines that need no load
        self._running: Engine | None = None
        self._server_jobs = 0  # queued or running
        self._serving: Job | None = None

    # -- thread-safe controls (called from the GUI thread) ---------------------------------------

    def stop_flag(self, request_id: str) -> threading.Event:
        """The stop flag of a request, created before the request is queued."""
        with self._stops_lock:
            return self._stops.setdefault(request_id, threading.Event())

    def set_engines(self, engines: Mapping[EngineRef, Engine]) -> None:
        """Replace the remote engines. A running answer keeps its engine."""
        with self._stops_lock:
            self._remotes = dict(engines)

    def cancel(self) -> None:
        """Stop the window's running answer, and any queued one, within one token.

        Each answer has its own stop flag, which the local engine watches (even mid-token); a
        remote engine's `cancel` shuts its socket down, so its stream ends at once. A server
        request running meanwhile goes on.
        """
        with self._stops_lock:
            for flag in self._stops.values():
                flag.set()
            running = self._running
        if running is not None and running is not self.engine:
            running.cancel()

    def cancel_all(self) -> None:
        """Stop everything, server requests too (on quit)."""
        self.cancel()
        with self._stops_lock:
            serving = self._serving
        if serving is not None:
            serving.cancel()
        self.engine.cancel()

    @property
    def server_jobs(self) -> int:
        """Server requests queued for this thread or running on it."""
        with self._stops_lock:
            return self._server_jobs

    def server_job_queued(self) -> None:
        with self._stops_lock:
            self._server_jobs += 1

    def cancel_load(self) -> None:
        self.engine.cancel_load()

    # -- slots (run on the worker thread) ------------------------------------------------------

    @Slot(object)
    def load(self, request: LoadRequest) -> None:
        self._last_progress = -1.0
        with reporting_bugs(lambda: self.load_failed.emit(bug_notice())):
            try:
                loaded = self.engine.load(request.path, request.settings, machine=request.machine,
                                          progress=self._report_progress)
            except LoadCancelled:
                self.load_cancelled.emit()
            except AppError as exc:
                self.load_failed.emit(str(exc))
            else:
                self.loaded.emit(loaded)

    def _report_progress(self, value: float) -> None:
        if value - self._last_progress >= 0.01 or value >= 1.0:  # ~100 updates per load
            self._last_progress = value
            self.load_progress.emit(value)

    @Slot()
    def unload(self) -> None:
        self.engine.unload()
        self.unloaded.emit()

    @Slot(str, str)
    def count_tokens(self, key: str, text: str) -> None:
        """Count `text` in the loaded model's tokens (attachments), here where the model lives."""
        with reporting_bugs(lambda: self.tokens_counted.emit(key, -1)):
            try:
                count = self.engine.count_tokens(text)
            except AppError:  # no model loaded (unloaded meanwhile)
                count = -1
            self.tokens_counted.emit(key, count)

    @Slot(object)
    def serve(self, job: Job) -> None:
        """Answer an API server request with the loaded model (`Job.run` tells the client)."""
        with self._stops_lock:
            self._serving = job
        try:
            with reporting_bugs():
                job.run(self.engine)
        finally:
            with self._stops_lock:
                self._serving = None
                self._server_jobs -= 1

    @Slot(object)
    def generate(self, request: GenerateRequest) -> None:
        """Answer with the request's engine: the local model, or a remote server."""
        self.started.emit(request.id)
        with self._stops_lock:
            engine = (self.engine if request.engine.is_local
                      else self._remotes.get(request.engine))
            self._running = engine
        try:
            if engine is None:
                with self._stops_lock:
                    self._stops.pop(request.id, None)
                self.failed.emit(request.id, self.tr(
                    "The server connection for this conversation was removed. Choose a model or "
                    "a connection above, then try again."))
                return
            self.run_chat(request, engine)
        finally:
            with self._stops_lock:
                self._running = None

    def run_chat(self, request: GenerateRequest, engine: Engine) -> None:
        """Stream one answer from `engine`, emitting batched text and then finished/failed."""
        pending_kind: type | None = None
        pending = ""
        last_emit = time.perf_counter()

        def flush() -> None:
            nonlocal pending, pending_kind, last_emit
            if pending:
                signal = self.reasoning if pending_kind is ReasoningDelta else self.answer
                signal.emit(request.id, pending)
            pending, pending_kind = "", None
            last_emit = time.perf_counter()

        def settle() -> None:  # after a bug: the answer ends, with what came so far
            flush()
            self.failed.emit(request.id, bug_notice())

        stop = self.stop_flag(request.id)
        try:
            with reporting_bugs(settle):
                for event in engine.chat(request.chat, cancel=stop):
                    if isinstance(event, ReasoningDelta | AnswerDelta):
                        if pending_kind is not None and type(event) is not pending_kind:
                            flush()
                        pending_kind = type(event)
                        pending += event.text
                        if time.perf_counter() - last_emit >= BATCH_SECONDS:
                            flush()
                    elif isinstance(event, Heartbeat):
                        if pending and time.perf_counter() - last_emit >= BATCH_SECONDS:
                            flush()
                    elif isinstance(event, Finished):
                        flush()
                        self.finished.emit(request.id, event.stats)
        except AppError as exc:
            flush()
            self.failed.emit(request.id, str(exc))
        finally:
            with self._stops_lock:
                self._stops.pop(request.id, None)


class GenerationThread(QObject):
    """Owns the worker's QThread and the queued signals that carry requests to it.

    Signals (internal, → worker): _load, _generate, _unload, _count, _serve (the last from any
    thread).
    """

    _load = Signal(object)
    _generate = Signal(object)
    _unload = Signal()
    _count = Signal(str, str)
    _serve = Signal(object)

    def __init__(self, worker: GenerationWorker | None = None) -> None:
        super().__init__()
        self.worker = worker or GenerationWorker()
        self.worker_thread = QThread()
        self.worker_thread.setObjectName("generation")
        self.worker.moveToThread(self.worker_thread)
        self._load.connect(self.worker.load)
        self._generate.connect(self.worker.generate)
        self._unload.connect(self.worker.unload)
        self._count.connect(self.worker.count_tokens)
        self._serve.connect(self.worker.serve)
        self.worker_thread.start()

    def load(self, request: LoadRequest) -> None:
        self._load.emit(request)

    def generate(self, request: GenerateRequest) -> None:
        self.worker.stop_flag(request.id)  # exists before the request is queued: stop can't miss it
        self._generate.emit(request)

    def unload(self) -> None:
        self._unload.emit()

    def count_tokens(self, key: str, text: str) -> None:
        """Count `text` with the loaded model (after any answer being written); the result
        comes as the worker's `tokens_counted(key, count)`."""
        self._count.emit(key, text)

    def serve(self, job: Job) -> None:
        """Run an API server job after what is queued (`EngineQueue`'s dispatch; any thread)."""
        self.worker.server_job_queued()
        self._serve.emit(job)

    def stop(self) -> None:
        """Stop the running generation within one token."""
        self.worker.cancel()

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Cancel everything, free the model on its thread, and join. True if it ended in time."""
        self.worker.cancel_all()
        self.worker.cancel_load()
        self._unload.emit()
        self.worker_thread.quit()
        return self.worker_thread.wait(timeout_ms)
