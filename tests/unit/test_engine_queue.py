"""The job queue in front of the one engine, with a scripted engine: order, limits, cancelling a
running or a waiting job, stop sequences, failures."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from backend.chat.events import (
    AnswerDelta,
    Finished,
    FinishReason,
    GenerationStats,
    ReasoningDelta,
    StreamEvent,
)
from backend.chat.messages import ChatMessage, ChatRequest, Role
from backend.errors import ContextOverflowError
from backend.serve.engine_queue import (
    Answered,
    EngineQueue,
    Job,
    JobFailed,
    JobItem,
    QueueClosedError,
    QueueFullError,
)

REQUEST = ChatRequest(messages=(ChatMessage(Role.USER, "Hi"),), deep_thinking=True)


def stats(reason: FinishReason, tokens: int) -> GenerationStats:
    return GenerationStats(prompt_tokens=3, cached_tokens=0, completion_tokens=tokens, ttft_s=0.1,
                           prompt_tps=30.0, decode_tps=10.0, finish_reason=reason)


class ScriptedEngine:
    """Reasons "WHY", answers the given text a character per token; looks at the cancel flag
    before each token as the real engine does."""

    def __init__(self, answer: str = "BLUE", fail: Exception | None = None) -> None:
        self.answer = answer
        self.fail = fail
        self.asked: list[ChatRequest] = []
        self.tokens = 0

    def chat(self, request: ChatRequest, *, cancel: threading.Event | None = None
             ) -> Iterator[StreamEvent]:
        self.asked.append(request)
        if self.fail is not None:
            raise self.fail
        self.tokens = 0
        for kind, text in [(ReasoningDelta, c) for c in "WHY"] + [(AnswerDelta, c)
                                                                  for c in self.answer]:
            if cancel is not None and cancel.is_set():
                yield Finished(stats(FinishReason.CANCELLED, self.tokens))
                return
            self.tokens += 1
            yield kind(text)
        yield Finished(stats(FinishReason.STOP, self.tokens))

    def cancel(self) -> None:
        pass


class Recorder:
    def __init__(self) -> None:
        self.items: list[JobItem] = []

    def __call__(self, item: JobItem) -> None:
        self.items.append(item)

    def text(self) -> tuple[str, str]:
        return ("".join(i.text for i in self.items if isinstance(i, ReasoningDelta)),
                "".join(i.text for i in self.items if isinstance(i, AnswerDelta)))

    @property
    def end(self) -> JobItem:
        return self.items[-1]


def test_jobs_run_in_order_and_report_how_many_are_active() -> None:
    dispatched: list[Job] = []
    counts: list[int] = []
    queue = EngineQueue(dispatched.append, on_change=counts.append)
    first, second = Recorder(), Recorder()
    queue.submit(REQUEST, first)
    queue.submit(REQUEST, second)
    assert queue.active == 2 and counts == [1, 2]
    engine = ScriptedEngine()
    for job in dispatched:  # the engine's thread runs them in order
        job.run(engine)  # type: ignore[arg-type]
    assert first.text() == second.text() == ("WHY", "BLUE")
    assert isinstance(first.end, Finished) and first.end.stats.finish_reason is FinishReason.STOP
    assert queue.active == 0 and counts == [1, 2, 2, 1, 1, 0]  # running, done; running, done


def test_a_full_queue_refuses_and_a_closed_one_too() -> None:
    dispatched: list[Job] = []
    queue = EngineQueue(dispatched.append, max_waiting=1)
    queue.submit(REQUEST, Recorder())  # will run first
    with pytest.raises(QueueFullError) as full:
        queue.submit(REQUEST, Recorder())  # the first still waits for its turn
    assert full.value.waiting == 1
    running = threading.Event()
    release = threading.Event()

    class SlowEngine(ScriptedEngine):
        def chat(self, request: ChatRequest, *, cancel: threading.Event | None = None
                 ) -> Iterator[StreamEvent]:
            running.set()
            release.wait(5)
            yield from super().chat(request, cancel=cancel)

    worker = threading.Thread(target=dispatched[0].run, args=(SlowEngine(),))
    worker.start()
    running.wait(5)
    queue.submit(REQUEST, Recorder())  # one runs, so one may wait
    with pytest.raises(QueueFullError):
        queue.submit(REQUEST, Recorder())
    release.set()
    worker.join(5)
    queue.close()
    with pytest.raises(QueueClosedError):
        queue.submit(REQUEST, Recorder())


def test_a_waiting_job_cancelled_ends_at_once_and_never_runs() -> None:
    dispatched: list[Job] = []
    queue = EngineQueue(dispatched.append)
    sink = Recorder()
    job = queue.submit(REQUEST, sink)
    job.cancel()
    assert isinstance(sink.end, Finished)
    assert sink.end.stats.finish_reason is FinishReason.CANCELLED and queue.active == 0
    engine = ScriptedEngine()
    job.run(engine)  # type: ignore[arg-type]  # its turn comes: nothing happens
    assert engine.asked == [] and len(sink.items) == 1


def test_a_running_job_cancelled_stops_within_one_token() -> None:
    queue = EngineQueue(lambda job: None)
    engine = ScriptedEngine(answer="BLUE" * 50)
    items: list[JobItem] = []

    def sink(item: JobItem) -> None:
        items.append(item)
        if len(items) == 5:
            job.cancel()  # from the sink, as a handler whose client left would

    job = queue.submit(REQUEST, sink)
    job.run(engine)  # type: ignore[arg-type]
    assert engine.tokens == 5  # not one token more
    assert isinstance(items[-1], Finished)
    assert items[-1].stats.finish_reason is FinishReason.CANCELLED


def test_a_stop_sequence_ends_the_answer_and_the_generation() -> None:
    queue = EngineQueue(lambda job: None)
    engine = ScriptedEngine(answer="BLUE and on and on")
    sink = Recorder()
    queue.submit(REQUEST, sink, stop=["LU"]).run(engine)  # type: ignore[arg-type]
    assert sink.text() == ("WHY", "B")
    assert engine.tokens == 6  # W H Y B L U: the engine stopped right after the stop sequence
    assert isinstance(sink.end, Finished) and sink.end.stats.finish_reason is FinishReason.STOP


def test_failures_reach_the_sink() -> None:
    queue = EngineQueue(lambda job: None)
    overflow = ContextOverflowError("too long", tokens=900, n_ctx=512)
    sink = Recorder()
    queue.submit(REQUEST, sink).run(ScriptedEngine(fail=overflow))  # type: ignore[arg-type]
    assert sink.items == [JobFailed(overflow)]
    bug = Recorder()
    with pytest.raises(ZeroDivisionError):  # a bug goes on to the thread's edge...
        queue.submit(REQUEST, bug).run(ScriptedEngine(fail=ZeroDivisionError()))  # type: ignore[arg-type]
    assert bug.items == [JobFailed(None)]  # ...after the client was told
    assert queue.active == 0


def test_answers_given_in_full_are_reported_as_the_client_received_them() -> None:
    """What "Save the server's chats" files: stop strings applied; a cancelled job is not."""
    answered: list[Answered] = []
    dispatched: list[Job] = []
    queue = EngineQueue(dispatched.append, on_answered=answered.append)
    queue.submit(REQUEST, Recorder(), stop=["UE"])
    dispatched[0].run(ScriptedEngine("BLUE SKY"))
    assert [(a.answer, a.reasoning, a.stats.finish_reason) for a in answered] == [
        ("BL", "WHY", FinishReason.STOP)]
    assert answered[0].request is REQUEST
    cancelled = queue.submit(REQUEST, Recorder())
    cancelled.cancel()
    cancelled.run(ScriptedEngine())
    assert len(answered) == 1
