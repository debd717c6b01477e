"""The remote engine against a scripted OpenAI-compatible server on 127.0.0.1: streaming,
reasoning in both shapes, thinking switches, every error message, and Stop."""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest

from backend.chat.events import (
    AnswerDelta,
    Finished,
    FinishReason,
    Heartbeat,
    ReasoningDelta,
    StreamEvent,
)
from backend.chat.messages import ChatMessage, ChatRequest, Role, Sampling
from backend.errors import AppError, ThinkingUnsupportedError
from backend.remote.connections import Connection, ThinkingControl
from backend.remote.remote_engine import RemoteEngine
from backend.remote.remote_errors import (
    KeyRejectedError,
    MalformedStreamError,
    RateLimitedError,
    RemoteModelNotFoundError,
    RemoteTimeoutError,
    ServerError,
    ServerUnreachableError,
    StreamCutError,
)
from backend.retry import Backoff
from tests.support.fake_openai import API_KEY, FakeOpenAI
from tests.support.remote_fixtures import connection_to

FAST = Backoff(attempts=3, base_delay_s=0.01, max_delay_s=1.0, retry_after_limit_s=1.0)
HI = (ChatMessage(Role.USER, "What is 2+2?"),)


def engine(server: FakeOpenAI, model: str = "deepseek-chat", **kw: object) -> RemoteEngine:
    return RemoteEngine(connection_to(server, model, **kw), backoff=FAST)  # type: ignore[arg-type]


def run(eng: RemoteEngine, *, think: bool = False,
        messages: tuple[ChatMessage, ...] = HI, **kw: object) -> list[StreamEvent]:
    """The stream's text and end, without the heartbeats that only pace a batching consumer."""
    events = eng.chat(ChatRequest(messages=messages, deep_thinking=think, **kw))  # type: ignore[arg-type]
    return [e for e in events if not isinstance(e, Heartbeat)]


def test_chunks_without_text_yield_heartbeats(fake_openai: FakeOpenAI) -> None:
    events = list(engine(fake_openai).chat(ChatRequest(messages=HI, deep_thinking=False)))
    assert any(isinstance(e, Heartbeat) for e in events)  # e.g. the role-only first chunk
    assert isinstance(events[-1], Finished)


def split(events: list[StreamEvent]) -> tuple[str, str]:
    return ("".join(e.text for e in events if isinstance(e, ReasoningDelta)),
            "".join(e.text for e in events if isinstance(e, AnswerDelta)))


def failure(eng: RemoteEngine, **kw: object) -> tuple[list[StreamEvent], AppError]:
    events: list[StreamEvent] = []
    with pytest.raises(AppError) as caught:
        for event in eng.chat(ChatRequest(messages=HI, deep_thinking=False, **kw)):  # type: ignore[arg-type]
            events.append(event)  # noqa: PERF402 (what came before the error is kept)
    return events, caught.value


def test_reasoning_content_then_answer_with_usage_stats(fake_openai: FakeOpenAI) -> None:
    eng = engine(fake_openai, "deepseek-chat", thinking=ThinkingControl.MODEL_PAIR,
                 thinking_model="deepseek-reasoner")
    history = (ChatMessage(Role.SYSTEM, "Be brief."), ChatMessage(Role.USER, "Hi"),
               ChatMessage(Role.ASSISTANT, "Hello!", reasoning="The user greets me."),
               ChatMessage(Role.USER, "What is 2+2?"))
    events = run(eng, think=True, messages=history, max_tokens=100, seed=7,
                 sampling=Sampling(temperature=0.6, top_p=0.95))
    assert split(events) == ("Let me think.", "The answer is **4**.")
    assert isinstance(events[0], ReasoningDelta)
    finished = events[-1]
    assert isinstance(finished, Finished) and sum(isinstance(e, Finished) for e in events) == 1
    stats = finished.stats
    assert (stats.prompt_tokens, stats.cached_tokens, stats.completion_tokens) == (12, 4, 9)
    assert stats.finish_reason is FinishReason.STOP and 0 < stats.ttft_s < 5
    assert stats.decode_tps > 0
    request = fake_openai.chat_requests()[-1]
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.body == {
        "model": "deepseek-reasoner",
        # Past reasoning is never sent back: only roles and answers.
        "messages": [{"role": "system", "content": "Be brief."},
                     {"role": "user", "content": "Hi"},
                     {"role": "assistant", "content": "Hello!"},
                     {"role": "user", "content": "What is 2+2?"}],
        "stream": True, "stream_options": {"include_usage": True}, "max_tokens": 100,
        "seed": 7, "temperature": 0.6, "top_p": 0.95,
    }
    run(eng, think=False)
    assert fake_openai.chat_requests()[-1].body["model"] == "deepseek-chat"  # type: ignore[index]


def test_template_switch_and_inline_reasoning_opened_by_the_template(
        fake_openai: FakeOpenAI) -> None:
    eng = engine(fake_openai, "v3.1")
    assert split(run(eng, think=True)) == ("Let me see.", "The answer is 4.")
    assert fake_openai.chat_requests()[-1].body["chat_template_kwargs"] == {  # type: ignore[index]
        "thinking": True, "enable_thinking": True}
    assert split(run(eng, think=False)) == ("", "The answer is 4.")
    assert fake_openai.chat_requests()[-1].body["chat_template_kwargs"] == {  # type: ignore[index]
        "thinking": False, "enable_thinking": False}


def test_deepseek_api_thinking_switch_and_reasoning_effort(fake_openai: FakeOpenAI) -> None:
    eng = engine(fake_openai, "deepseek-v4-flash", thinking=ThinkingControl.API_SWITCH)
    assert eng.connection.effort_levels == ("high", "max")
    assert split(run(eng, think=True, reasoning_effort="max")) == ("Effort max.",
                                                                    "The answer is 4.")
    body = fake_openai.chat_requests()[-1].body
    assert body is not None and (body["model"], body["thinking"], body["reasoning_effort"]) == (
        "deepseek-v4-flash", {"type": "enabled"}, "max")
    assert "chat_template_kwargs" not in body
    # Off is said out loud (the API thinks by default), and an effort means nothing then.
    assert split(run(eng, think=False, reasoning_effort="max")) == ("", "The answer is 4.")
    body = fake_openai.chat_requests()[-1].body
    assert body is not None and body["thinking"] == {"type": "disabled"}
    assert "reasoning_effort" not in body


def test_the_template_switch_carries_the_effort_too(fake_openai: FakeOpenAI) -> None:
    run(engine(fake_openai, "v3.1"), think=True, reasoning_effort="max")
    assert fake_openai.chat_requests()[-1].body["chat_template_kwargs"] == {  # type: ignore[index]
        "thinking": True, "enable_thinking": True, "reasoning_effort": "max"}


def test_tool_call_markup_from_a_server_never_shows_raw(fake_openai: FakeOpenAI) -> None:
    from backend.chat.tool_calls import ToolCall, ToolCallDelta

    events = run(engine(fake_openai, "tool-markup"))
    calls = [c for e in events if isinstance(e, ToolCallDelta) for c in e.calls]
    assert calls == [ToolCall("get_weather", '{"city": "Paris"}')]
    answer = "".join(e.text for e in events
                     if isinstance(e, AnswerDelta) and not isinstance(e, ToolCallDelta))
    assert answer == "Let me check." and isinstance(events[-1], Finished)


def test_inline_think_tags_and_counted_tokens(fake_openai: FakeOpenAI) -> None:
    events = run(engine(fake_openai, "inline-r1", thinking=ThinkingControl.ALWAYS), think=True)
    assert split(events) == ("Step one.", "Answer.")
    stats = events[-1].stats  # type: ignore[union-attr]
    assert stats.completion_tokens == 5 and stats.prompt_tokens == 0  # no usage: counted
    assert "chat_template_kwargs" not in fake_openai.chat_requests()[-1].body  # type: ignore[operator]


def test_length_and_never_thinking(fake_openai: FakeOpenAI) -> None:
    events = run(engine(fake_openai, "length"))
    assert events[-1].stats.finish_reason is FinishReason.LENGTH  # type: ignore[union-attr]
    never = engine(fake_openai, "deepseek-chat", thinking=ThinkingControl.NEVER)
    with pytest.raises(ThinkingUnsupportedError) as caught:
        run(never, think=True)
    assert str(caught.value) == (
        "Test server · deepseek-chat is set up without deep thinking. Turn off deep thinking, "
        "or change how this connection switches thinking.")


def test_key_rejected_or_missing(fake_openai: FakeOpenAI) -> None:
    _, error = failure(engine(fake_openai, api_key="sk-wrong-0000000000"))
    assert isinstance(error, KeyRejectedError)
    assert str(error) == ("Test server rejected the API key (HTTP 401). Check the key set for "
                          "this connection.")
    _, error = failure(engine(fake_openai, api_key=None))
    assert str(error) == "Test server needs an API key (HTTP 401). Set one for this connection."
    assert len(fake_openai.chat_requests()) == 2  # 401 is not retried


def test_unknown_model_names_a_few_the_server_has(fake_openai: FakeOpenAI) -> None:
    _, error = failure(engine(fake_openai, "deepseek-r2"))
    assert isinstance(error, RemoteModelNotFoundError)
    assert str(error) == (
        "Test server has no model named 'deepseek-r2'. It has: deepseek-chat, "
        "deepseek-reasoner, v3.1, inline-r1, length and 13 more. Choose one of them for this "
        "connection.")


def test_a_base_url_without_the_api(fake_openai: FakeOpenAI) -> None:
    conn = Connection.new("Test server", fake_openai.url.removesuffix("/v1") + "/api", "x",
                          api_key=API_KEY)
    _, error = failure(RemoteEngine(conn, backoff=FAST))
    assert str(error) == (
        f"Test server has no OpenAI-compatible API at {fake_openai.url.removesuffix('/v1')}"
        "/api (HTTP 404). Check the base URL; it usually ends in /v1.")


def test_rate_limits(fake_openai: FakeOpenAI) -> None:
    _, error = failure(engine(fake_openai, "rate-limited"))
    assert isinstance(error, RateLimitedError) and error.retry_after == 7.0
    assert str(error) == ("Test server is rate limiting requests (HTTP 429) and asks to wait 7 s. "
                          "Try again then.")
    assert len(fake_openai.chat_requests()) == 1  # 7 s is longer than the policy waits
    _, error = failure(engine(fake_openai, "rate-limited-later"))
    assert str(error) == ("Test server is rate limiting requests (HTTP 429). Wait a moment and "
                          "try again.")
    assert len(fake_openai.chat_requests()) == 1 + FAST.attempts


def test_server_errors_are_retried_before_the_stream_starts(fake_openai: FakeOpenAI) -> None:
    assert split(run(engine(fake_openai, "flaky"))) == ("", "Hello there.")
    assert len(fake_openai.chat_requests()) == 3  # two 503s, then the answer
    _, error = failure(engine(fake_openai, "broken"))
    assert isinstance(error, ServerError)
    assert str(error) == ("Test server failed with HTTP 503 (CUDA out of memory). Try again "
                          "later.")


def test_connection_refused_names_host_and_port() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conn = Connection.new("Test server", f"http://127.0.0.1:{port}/v1", "m")
    started = time.perf_counter()
    _, error = failure(RemoteEngine(conn, backoff=FAST))
    assert isinstance(error, ServerUnreachableError) and isinstance(error, ConnectionError)
    assert str(error) == (f"Could not connect to 127.0.0.1:{port}: the connection was refused. "
                          "Check that the server is running and that the address is right.")
    assert time.perf_counter() - started < 2


def test_a_stream_cut_mid_answer_keeps_what_came(fake_openai: FakeOpenAI) -> None:
    events, error = failure(engine(fake_openai, "cut"))
    assert isinstance(error, StreamCutError)
    port = fake_openai.url.split(":")[2].split("/")[0]
    assert str(error) == (f"The connection to 127.0.0.1:{port} closed before the answer was "
                          "complete. Try again.")
    assert split(events) == ("", "Partial answer")


@pytest.mark.parametrize(("model", "message"), [
    ("malformed", ("Test server sent a malformed stream: a data line is not JSON (Expecting ',' "
                   "delimiter): '{\"choices\": [{\"delta\": {\"content\": \"oops\"'.")),
    ("no-choices", "Test server sent a malformed stream: an event has no 'choices' list."),
    ("error-event", "Test server reported an error while answering: CUDA out of memory"),
])
def test_malformed_streams_say_what_was_wrong(fake_openai: FakeOpenAI, model: str,
                                              message: str) -> None:
    _, error = failure(engine(fake_openai, model))
    assert str(error) == message


def test_not_an_event_stream(fake_openai: FakeOpenAI) -> None:
    _, error = failure(engine(fake_openai, "html"))
    assert isinstance(error, MalformedStreamError)
    assert str(error) == ("Test server answered with text/html instead of an event stream. "
                          f"Check the base URL ({fake_openai.url}).")


def test_a_stalled_stream_times_out(fake_openai: FakeOpenAI) -> None:
    events, error = failure(engine(fake_openai, "slow", read_timeout=0.1))
    assert isinstance(error, RemoteTimeoutError)
    port = fake_openai.url.split(":")[2].split("/")[0]
    assert str(error) == (f"127.0.0.1:{port} stopped sending for 0.1 s; the answer was cut "
                          "off. Try again.")
    assert split(events) == ("", "tick 0 ")


def stream_then_stop(eng: RemoteEngine, stop: object) -> tuple[list[StreamEvent], float]:
    """Start the slow stream, stop it after its first delta; return events and stop latency."""
    flag = threading.Event()
    events: list[StreamEvent] = []
    stopped_at = 0.0
    for event in eng.chat(ChatRequest(messages=HI, deep_thinking=False), cancel=flag):
        events.append(event)
        if len(events) == 1:
            # The next tick is 0.3 s away: only closing the socket ends the stream sooner.
            def later() -> None:
                nonlocal stopped_at
                stopped_at = time.perf_counter()
                flag.set() if stop == "flag" else eng.cancel()
            threading.Timer(0.05, later).start()
    return events, time.perf_counter() - stopped_at


@pytest.mark.parametrize("stop", ["engine", "flag"])
def test_stop_closes_the_stream_at_once(fake_openai: FakeOpenAI, stop: str) -> None:
    events, latency = stream_then_stop(engine(fake_openai, "slow"), stop)
    assert latency < 0.1
    assert split(events) == ("", "tick 0 ")
    assert events[-1].stats.finish_reason is FinishReason.CANCELLED  # type: ignore[union-attr]
    assert fake_openai.disconnected.wait(2), "the server never saw the client leave"


def test_a_request_stopped_before_it_starts_sends_nothing(fake_openai: FakeOpenAI) -> None:
    flag = threading.Event()
    flag.set()
    events = list(engine(fake_openai).chat(ChatRequest(messages=HI, deep_thinking=False),
                                           cancel=flag))
    assert len(events) == 1 and events[0].stats.finish_reason is FinishReason.CANCELLED  # type: ignore[union-attr]
    assert fake_openai.chat_requests() == []


def test_check_lists_models_and_times_the_first_token(fake_openai: FakeOpenAI) -> None:
    result = engine(fake_openai).check()
    assert result.unlisted == () and len(result.models) == 18 and result.ttft_s > 0
    assert str(result).startswith("Connected: 18 models (deepseek-chat, deepseek-reasoner, "
                                  "v3.1, …); first token in ")
    pair = engine(fake_openai, thinking=ThinkingControl.MODEL_PAIR, thinking_model="r2").check()
    assert pair.unlisted == ("r2",) and str(pair).endswith(" s. Not in the server's list: r2.")
    assert fake_openai.chat_requests()[-1].body["max_tokens"] == 1  # type: ignore[index]
    with pytest.raises(KeyRejectedError):
        engine(fake_openai, api_key="sk-wrong-0000000000").check()


def test_the_key_never_reaches_the_log(fake_openai: FakeOpenAI,
                                       caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        run(engine(fake_openai, "flaky"))  # retries log too
        failure(engine(fake_openai, api_key="sk-wrong-key-0000000000"))
        repr(engine(fake_openai))
    assert "retrying" in caplog.text
    assert API_KEY not in caplog.text and "sk-wrong-key-0000000000" not in caplog.text
    assert API_KEY not in repr(engine(fake_openai))


def test_a_server_cannot_continue_an_answer_that_stopped_while_thinking(
        fake_openai: FakeOpenAI) -> None:
    eng = engine(fake_openai, "inline-r1", thinking=ThinkingControl.ALWAYS)
    before = len(fake_openai.chat_requests())
    events, error = failure(eng, continue_reasoning="Let me think")
    assert events == []
    assert str(error) == (
        f"{eng.connection.label} cannot go on from where an answer stopped thinking: "
        "OpenAI-compatible servers have no way to continue one. Regenerate the answer instead.")
    assert len(fake_openai.chat_requests()) == before  # nothing was sent
