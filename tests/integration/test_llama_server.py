"""The remote engine against a real OpenAI-compatible server: llama-cpp-python's own
(`python -m llama_cpp.server`) on 127.0.0.1, running the generated tiny R1 model.

The server formats the chat with the GGUF's template (R1's: the prompt ends inside `<think>`),
streams over chunked SSE and sends no usage, so this covers the inline-reasoning path and
counted-token stats. A grammar (sent as an extra body field, which this server accepts) makes
the random-weight model write a known text.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.chat.events import (
    AnswerDelta,
    Finished,
    FinishReason,
    Heartbeat,
    ReasoningDelta,
    StreamEvent,
)
from backend.chat.messages import ChatMessage, ChatRequest, Role
from backend.remote.connections import Connection, ThinkingControl
from backend.remote.remote_engine import RemoteEngine
from backend.remote.remote_errors import KeyRejectedError
from backend.retry import Backoff

pytest.importorskip("llama_cpp.server.app", reason="needs llama-cpp-python[server]")

KEY = "sk-local-test-key-0001"
ALIAS = "deepseek-r1-tiny"
SCRIPT = 'root ::= "Let me think." "</think>" "\\n\\nThe answer is 4."'


@pytest.fixture(scope="module")
def llama_server(r1_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(r1_model),
             "--model_alias", ALIAS, "--host", "127.0.0.1", "--port", str(port),
             "--n_ctx", "1024", "--api_key", KEY, "--verbose", "False"],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            request = urllib.request.Request(f"{url}/models",
                                             headers={"Authorization": f"Bearer {KEY}"})
            try:
                with urllib.request.urlopen(request, timeout=1) as answer:
                    json.load(answer)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"llama_cpp.server did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def engine(url: str, *, key: str = KEY, grammar: str | None = SCRIPT) -> RemoteEngine:
    conn = Connection.new("llama.cpp box", url, ALIAS, api_key=key,
                          thinking=ThinkingControl.ALWAYS)
    extra = {"grammar": grammar} if grammar else None
    return RemoteEngine(conn, backoff=Backoff(attempts=1), extra_body=extra)


def ask(eng: RemoteEngine, **kw: object) -> list[StreamEvent]:
    request = ChatRequest(messages=(ChatMessage(Role.USER, "What is 2+2?"),), deep_thinking=True,
                          seed=1, **kw)  # type: ignore[arg-type]
    return list(eng.chat(request))


def test_reasoning_and_answer_from_the_real_server(llama_server: str) -> None:
    events = ask(engine(llama_server), max_tokens=64)
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    answer = "".join(e.text for e in events if isinstance(e, AnswerDelta))
    assert (reasoning, answer) == ("Let me think.", "The answer is 4.")
    stats = events[-1].stats  # type: ignore[union-attr]
    assert stats.finish_reason is FinishReason.STOP
    assert stats.completion_tokens >= 3 and stats.ttft_s > 0 and stats.decode_tps > 0


def test_random_tokens_still_make_a_well_formed_stream(llama_server: str) -> None:
    events = ask(engine(llama_server, grammar=None), max_tokens=12)
    *deltas, finished = events
    deltas = [e for e in deltas if not isinstance(e, Heartbeat)]
    assert all(isinstance(e, ReasoningDelta | AnswerDelta) and e.text for e in deltas)
    # R1's template opened the think block: answer text can only follow a `</think>`.
    kinds = [type(e) for e in deltas]
    assert kinds == sorted(kinds, key=lambda k: k is AnswerDelta)
    assert isinstance(finished, Finished)
    assert finished.stats.finish_reason in (FinishReason.STOP, FinishReason.LENGTH)
    assert finished.stats.completion_tokens == len(deltas) or deltas == []


def test_check_and_a_rejected_key(llama_server: str) -> None:
    result = engine(llama_server).check()
    assert result.models == (ALIAS,) and result.ttft_s > 0
    with pytest.raises(KeyRejectedError) as caught:
        engine(llama_server, key="sk-wrong-key-0000000").list_models()
    assert str(caught.value) == ("llama.cpp box rejected the API key (HTTP 401). Check the key "
                                 "set for this connection.")


def test_stop_ends_a_real_stream_at_once(llama_server: str) -> None:
    eng = engine(llama_server, grammar='root ::= "ab " root')  # never ends by itself
    request = ChatRequest(messages=(ChatMessage(Role.USER, "Go on"),), deep_thinking=True,
                          max_tokens=400)
    events: list[StreamEvent] = []
    stopped_at = 0.0

    def stop() -> None:
        nonlocal stopped_at
        stopped_at = time.perf_counter()
        eng.cancel()

    for event in eng.chat(request):
        events.append(event)
        if len(events) == 3:
            threading.Thread(target=stop).start()
    assert time.perf_counter() - stopped_at < 0.5
    assert events[-1].stats.finish_reason is FinishReason.CANCELLED  # type: ignore[union-attr]
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    assert reasoning.startswith("ab") and len(events) < 50
    # The server is free again for the next request.
    assert ask(engine(llama_server), max_tokens=64)[-1].stats.finish_reason is FinishReason.STOP  # type: ignore[union-attr]
