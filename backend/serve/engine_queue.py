"""Server requests in front of the one engine: a bounded FIFO of jobs, each run on the thread that
owns the engine.

llama.cpp contexts are not thread-safe, and the window and the server share one loaded model
and its KV cache, so HTTP handlers never touch the engine. A handler submits a `Job` (its
`ChatRequest`, its own cancel flag, a sink for what comes out); `dispatch` carries it to the
engine's thread (the app's generation worker, through a queued Qt signal; a plain thread for
`serve`), where `Job.run` streams the answer into the sink. Jobs run in the order they were
dispatched, between the window's own answers. At most `max_waiting` jobs wait behind the
running one; the next is refused (`QueueFullError`, a 429).

Lifecycle of a job: new → running → done, or new → done when cancelled before its turn (its
sink then gets `Finished(cancelled)` at once). `cancel()` is safe from any thread: a running
job's generation stops within one token.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import Enum

from backend.chat.events import (
    AnswerDelta,
    Engine,
    Finished,
    FinishReason,
    GenerationStats,
    Heartbeat,
    ReasoningDelta,
)
from backend.chat.messages import ChatRequest
from backend.errors import AppError
from backend.serve.stop_strings import StopStrings

log = logging.getLogger(__name__)

DEFAULT_MAX_WAITING = 4
# How an answer given in full ends (one whose client went away does not).
_ANSWERED = frozenset({FinishReason.STOP, FinishReason.LENGTH})


@dataclass(frozen=True, slots=True)
class JobFailed:
    """The job ended without an answer: `error` says why (None: a bug, see the log)."""

    error: AppError | None


JobItem = ReasoningDelta | AnswerDelta | Heartbeat | Finished | JobFailed
Sink = Callable[[JobItem], None]


@dataclass(frozen=True, slots=True)
class Answered:
    """A job answered in full (not cancelled, not failed): what it asked and what came out, as
    the client received it (stop strings applied)."""

    request: ChatRequest
    answer: str
    reasoning: str
    stats: GenerationStats


class QueueFullError(Exception):
    def __init__(self, waiting: int) -> None:
        super().__init__(f"{waiting} requests are waiting")
        self.waiting = waiting


class QueueClosedError(Exception):
    """The server is stopping: no new job is taken."""


class _State(Enum):
    NEW = "new"
    RUNNING = "running"
    DONE = "done"


class Job:
    """One request for the engine. Its sink receives deltas, then exactly one `Finished` or
    `JobFailed`, on the engine's thread (or on the cancelling thread, if it never started)."""

    def __init__(self, request: ChatRequest, sink: Sink, *, stop: Sequence[str] = (),
                 on_state: Callable[[Job], None] | None = None,
                 on_answered: Callable[[Answered], None] | None = None) -> None:
        self.request = request
        self.cancel_flag = threading.Event()
        self._sink = sink
        self._stop = tuple(stop)
        self._on_state = on_state
        self._on_answered = on_answered
        self._lock = threading.Lock()
        self._state = _State.NEW
        self._ended = False

    @property
    def running(self) -> bool:
        return self._state is _State.RUNNING

    @property
    def done(self) -> bool:
        return self._state is _State.DONE

    def cancel(self) -> None:
        """Stop it: within one token if running; at once (Finished, cancelled) if waiting."""
        self.cancel_flag.set()
        with self._lock:
            if self._state is not _State.NEW:
                return
            self._state = _State.DONE
        self._end(Finished(_cancelled_stats()))
        self._changed()

    def run(self, engine: Engine) -> None:
        """Answer on the engine's thread. A bug is passed on after the sink hears of it."""
        with self._lock:
            if self._state is not _State.NEW:
                return  # cancelled while it waited
            self._state = _State.RUNNING
        self._changed()
        try:
            self._stream(engine)
        except AppError as exc:
            self._end(JobFailed(exc))
        finally:
            if not self._ended:
                self._end(JobFailed(None))  # a bug: it goes on to the thread's edge
            with self._lock:
                self._state = _State.DONE
            self._changed()

    def _stream(self, engine: Engine) -> None:
        stops = StopStrings(self._stop)
        answer: list[str] = []
        reasoning: list[str] = []
        for event in engine.chat(self.request, cancel=self.cancel_flag):
            if isinstance(event, AnswerDelta):
                text = stops.feed(event.text)
                if text:
                    answer.append(text)
                    self._sink(AnswerDelta(text))
                if stops.hit:
                    self.cancel_flag.set()  # the engine stops within one token
            elif isinstance(event, Finished):
                tail = stops.finish()
                if tail:
                    answer.append(tail)
                    self._sink(AnswerDelta(tail))
                stats = event.stats
                if stops.hit:
                    stats = replace(stats, finish_reason=FinishReason.STOP)
                self._end(Finished(stats))
                _log_answer(self.request, stats)
                if self._on_answered is not None and stats.finish_reason in _ANSWERED:
                    self._on_answered(Answered(self.request, "".join(answer),
                                               "".join(reasoning), stats))
            elif not stops.hit:
                if isinstance(event, ReasoningDelta):
                    reasoning.append(event.text)
                self._sink(event)

    def _end(self, item: Finished | JobFailed) -> None:
        self._ended = True
        self._sink(item)

    def _changed(self) -> None:
        if self._on_state is not None:
            self._on_state(self)


class EngineQueue:
    """Takes server jobs, refuses them past `max_waiting`, and hands them to `dispatch`.

    `on_change(active)` is told how many jobs are running or waiting whenever that changes
    (from whichever thread changed it); `on_answered` gets each answer given in full (on the
    engine's thread).
    """

    def __init__(self, dispatch: Callable[[Job], None], *,
                 max_waiting: int = DEFAULT_MAX_WAITING,
                 on_change: Callable[[int], None] | None = None,
                 on_answered: Callable[[Answered], None] | None = None) -> None:
        self._dispatch = dispatch
        self.max_waiting = max_waiting
        self._on_change = on_change
        self._on_answered = on_answered
        self._lock = threading.Lock()
        self._jobs: list[Job] = []
        self._closed = False

    @property
    def active(self) -> int:
        with self._lock:
            return len(self._jobs)

    def submit(self, request: ChatRequest, sink: Sink, *, stop: Sequence[str] = ()) -> Job:
        """Queue a job; raises `QueueFullError` or `QueueClosedError`."""
        job = Job(request, sink, stop=stop, on_state=self._on_job_state,
                  on_answered=self._on_answered)
        with self._lock:
            if self._closed:
                raise QueueClosedError
            waiting = sum(1 for j in self._jobs if not j.running)
            if self._jobs and waiting >= self.max_waiting:
                raise QueueFullError(waiting)
            self._jobs.append(job)
            count = len(self._jobs)
        self._notify(count)
        self._dispatch(job)
        return job

    def close(self) -> None:
        """Refuse new jobs and cancel every running or waiting one."""
        with self._lock:
            self._closed = True
            jobs = list(self._jobs)
        for job in jobs:
            job.cancel()

    def reopen(self) -> None:
        with self._lock:
            self._closed = False

    def _on_job_state(self, job: Job) -> None:
        with self._lock:
            if job.done and job in self._jobs:
                self._jobs.remove(job)
            count = len(self._jobs)
        self._notify(count)

    def _notify(self, count: int) -> None:
        if self._on_change is not None:
            self._on_change(count)


def _log_answer(request: ChatRequest, stats: GenerationStats) -> None:
    """One line per answer, with figures only: prompts and answers are never logged."""
    log.info("answered %d messages: %d prompt tokens (%d cached), %d tokens, %.1f tok/s, %s",
             len(request.messages), stats.prompt_tokens, stats.cached_tokens,
             stats.completion_tokens, stats.decode_tps, stats.finish_reason.value)


def _cancelled_stats() -> GenerationStats:
    return GenerationStats(prompt_tokens=0, cached_tokens=0, completion_tokens=0, ttft_s=0.0,
                           prompt_tps=0.0, decode_tps=0.0, finish_reason=FinishReason.CANCELLED)
