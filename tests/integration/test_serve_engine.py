"""The API server in this process over the real engine on its own thread (what `serve` and the
app assemble), watched from inside: a client that leaves stops the engine within one token, one
that leaves while it waits is never run, and stopping the server mid-answer is quick."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from backend.chat.events import (
    AnswerDelta,
    Finished,
    FinishReason,
    ReasoningDelta,
    StreamEvent,
)
from backend.chat.family import default_sampling
from backend.chat.messages import ChatRequest
from backend.engine.local_engine import LoadSettings, LocalEngine
from backend.serve.api_server import ApiServer, ServeOptions
from backend.serve.engine_queue import EngineQueue
from backend.serve.engine_thread import EngineThread
from backend.serve.served_model import ModelBoard, ServedModel

HI = [{"role": "user", "content": "Go on"}]


class WatchedEngine(LocalEngine):
    """The real engine, counting what it writes after a request's cancel flag is set."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[tuple[int, int, FinishReason]] = []  # (tokens, after cancel, finish)
        self.done = threading.Event()

    def chat(self, request: ChatRequest, *, grammar: str | None = None,
             cancel: threading.Event | None = None) -> Iterator[StreamEvent]:
        tokens = after_cancel = 0
        for event in super().chat(request, grammar=grammar, cancel=cancel):
            if isinstance(event, ReasoningDelta | AnswerDelta):
                tokens += 1
                after_cancel += bool(cancel is not None and cancel.is_set())
            if isinstance(event, Finished):
                self.runs.append((tokens, after_cancel, event.stats.finish_reason))
                self.done.set()
            yield event


@pytest.fixture
def server(endless_r1: Path) -> Iterator[tuple[ApiServer, WatchedEngine]]:
    engine = WatchedEngine()
    thread = EngineThread(engine)
    loaded = thread.load(endless_r1, LoadSettings(n_ctx=65536)).result(60)
    board = ModelBoard()
    board.ready(ServedModel("r1", loaded.info.label, loaded.info.thinking,
                            default_sampling(loaded.info.family.family), loaded.n_ctx))
    api = ApiServer(ServeOptions(port=0), EngineQueue(thread.dispatch), board)
    api.start()
    yield api, engine
    api.stop()
    thread.stop()


def test_a_client_that_leaves_stops_the_engine_within_one_token(
        server: tuple[ApiServer, WatchedEngine]) -> None:
    api, engine = server
    with openai.OpenAI(base_url=api.url(), api_key="none", max_retries=0) as client:
        stream = client.chat.completions.create(model="r1", messages=HI, stream=True)  # type: ignore[arg-type]
        next(iter(stream))
        stream.close()
        assert engine.done.wait(10)
    tokens, after_cancel, finish = engine.runs[0]
    assert finish is FinishReason.CANCELLED
    assert after_cancel <= 1 and tokens < 60_000


def test_a_client_that_leaves_while_waiting_is_never_run(
        server: tuple[ApiServer, WatchedEngine]) -> None:
    api, engine = server
    first = openai.OpenAI(base_url=api.url(), api_key="none", max_retries=0)
    second = openai.OpenAI(base_url=api.url(), api_key="none", max_retries=0, timeout=0.5)
    with first, second:
        stream = first.chat.completions.create(model="r1", messages=HI, stream=True)  # type: ignore[arg-type]
        next(iter(stream))
        with pytest.raises(openai.APITimeoutError):  # it waits behind the first, then gives up
            second.chat.completions.create(model="r1", messages=HI)  # type: ignore[arg-type]
        time.sleep(0.2)
        stream.close()
        assert engine.done.wait(10)
        time.sleep(0.3)
    assert len(engine.runs) == 1  # the second request never reached the engine
    assert api.queue.active == 0


def test_stopping_the_server_mid_answer_is_quick(
        server: tuple[ApiServer, WatchedEngine]) -> None:
    api, engine = server
    with openai.OpenAI(base_url=api.url(), api_key="none", max_retries=0) as client:
        stream = client.chat.completions.create(model="r1", messages=HI, stream=True)  # type: ignore[arg-type]
        next(iter(stream))
        started = time.monotonic()
        assert api.stop()
        assert time.monotonic() - started < 1.0
        with pytest.raises(openai.APIError) as stopped:  # the stream ends with an error event
            for _chunk in stream:
                pass
        assert "The server is stopping" in str(stopped.value)
    assert engine.done.wait(5) and engine.runs[0][2] is FinishReason.CANCELLED
