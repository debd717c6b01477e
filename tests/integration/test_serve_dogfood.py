"""Dogfood: the app's own remote engine, pointed at the app's own server (`serve` in a child
process), gives the reasoning and the answer the local engine gives on the same model, and
the same token counts; its Stop ends the server's generation."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.chat.events import AnswerDelta, Finished, FinishReason, ReasoningDelta, StreamEvent
from backend.chat.messages import ChatMessage, ChatRequest, Role
from backend.engine.local_engine import LoadSettings, LocalEngine
from backend.engine.offload import Machine
from backend.remote.connections import Connection, ThinkingControl
from backend.remote.remote_engine import RemoteEngine
from backend.remote.remote_errors import KeyRejectedError
from tests.support.serve_process import ServeProcess, serving

KEY = "sk-dogfood-0123456789"
KEY_ENV = "DEEPSEEK_LOCAL_DOGFOOD_KEY"
HISTORY = (ChatMessage(Role.USER, "What is 2+2?"),
           ChatMessage(Role.ASSISTANT, "BLUE", reasoning="WHY"),
           ChatMessage(Role.USER, "Sure?"))


def split(events: list[StreamEvent]) -> tuple[str, str, Finished]:
    finished = events[-1]
    assert isinstance(finished, Finished)
    return ("".join(e.text for e in events if isinstance(e, ReasoningDelta)),
            "".join(e.text for e in events if isinstance(e, AnswerDelta)), finished)


def local_answer(model: Path, request: ChatRequest) -> tuple[str, str, Finished]:
    engine = LocalEngine()
    engine.load(model, LoadSettings(n_ctx=512), machine=Machine((), 1 << 40))
    try:
        return split(list(engine.chat(request)))
    finally:
        engine.unload()


def remote(server: ServeProcess, thinking: ThinkingControl, key: str | None = KEY
           ) -> RemoteEngine:
    return RemoteEngine(Connection.new("This app", server.url, server.name, api_key=key,
                                       thinking=thinking))


@pytest.fixture(scope="module")
def r1_server(scripted_r1: Path) -> Iterator[ServeProcess]:
    with serving(scripted_r1, "--ctx", "512", "--api-key-env", KEY_ENV,
                 env={KEY_ENV: KEY}) as server:
        yield server


@pytest.mark.parametrize("history", [HISTORY[:1], HISTORY])
def test_r1_remote_answers_as_local(scripted_r1: Path, r1_server: ServeProcess,
                                    history: tuple[ChatMessage, ...]) -> None:
    request = ChatRequest(messages=history, deep_thinking=True)
    local = local_answer(scripted_r1, request)
    served = split(list(remote(r1_server, ThinkingControl.ALWAYS).chat(request)))
    assert served[:2] == local[:2] == ("WHY", "BLUE")
    for stats in (local[2].stats, served[2].stats):
        assert stats.finish_reason is FinishReason.STOP
    assert (served[2].stats.prompt_tokens, served[2].stats.completion_tokens) == (
        local[2].stats.prompt_tokens, local[2].stats.completion_tokens)


@pytest.mark.parametrize("thinking", [True, False])
def test_a_hybrid_model_switched_by_the_template_flag(scripted_v31: Path, thinking: bool
                                                      ) -> None:
    request = ChatRequest(messages=HISTORY, deep_thinking=thinking, max_tokens=20)
    local = local_answer(scripted_v31, request)
    with serving(scripted_v31) as server:
        served = split(list(remote(server, ThinkingControl.TEMPLATE, key=None).chat(request)))
    assert served[:2] == local[:2] == ("WHY" if thinking else "", "BLUE")
    assert served[2].stats.completion_tokens == local[2].stats.completion_tokens


def test_the_remote_engines_stop_ends_the_servers_generation(endless_r1: Path) -> None:
    with serving(endless_r1, "--ctx", "65536") as server:
        engine = remote(server, ThinkingControl.ALWAYS, key=None)
        request = ChatRequest(messages=HISTORY[:1], deep_thinking=True)
        events: list[StreamEvent] = []
        for event in engine.chat(request):
            events.append(event)
            if len(events) == 3:
                threading.Thread(target=engine.cancel).start()
        assert split(events)[2].stats.finish_reason is FinishReason.CANCELLED
        line = server.wait_for_answers(1)[0]
        match = re.search(r"(\d+) tokens, [\d.]+ tok/s, cancelled$", line)
        assert match is not None and int(match.group(1)) < 2000, line


def test_a_wrong_key_is_explained(r1_server: ServeProcess) -> None:
    with pytest.raises(KeyRejectedError) as rejected:
        remote(r1_server, ThinkingControl.ALWAYS, key="sk-wrong").list_models()
    assert str(rejected.value) == ("This app rejected the API key (HTTP 401). Check the key set "
                                   "for this connection.")
    assert remote(r1_server, ThinkingControl.ALWAYS).list_models() == ["DeepSeek-R1"]
