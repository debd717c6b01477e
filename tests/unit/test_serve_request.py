"""OpenAI / DeepSeek request bodies → what the engine is asked: every honoured field, the
thinking switches per model family, and the message of every refusal."""

from __future__ import annotations

import pytest

from backend.chat.family import ThinkingMode
from backend.chat.messages import ChatMessage, Role, Sampling
from backend.serve.api_errors import ApiError
from backend.serve.api_request import parse_chat_call
from backend.serve.served_model import ServedModel

HYBRID = ServedModel("v3.1", "DeepSeek-V3.1", ThinkingMode.HYBRID, Sampling(0.6, 0.95), 8192)
R1 = ServedModel("r1", "DeepSeek-R1", ThinkingMode.ALWAYS, Sampling(0.6, 0.95), 8192)
V3 = ServedModel("v3", "DeepSeek-V3", ThinkingMode.NEVER, Sampling(0.3, 1.0), 8192)
HI = [{"role": "user", "content": "Hi"}]


def test_every_honoured_field() -> None:
    call = parse_chat_call({
        "model": "v3.1", "stream": True, "stream_options": {"include_usage": True},
        "messages": [
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "Two"},
                                         {"type": "text", "text": "parts"}]},
            {"role": "assistant", "content": "BLUE", "reasoning_content": "long thoughts"},
            {"role": "assistant", "content": None, "tool_calls": []},
            {"role": "user", "content": "Again", "name": "me"}],
        "max_tokens": 100, "max_completion_tokens": 50, "temperature": 0.2, "top_p": 0.5,
        "seed": 7, "stop": ["\n\n", ""], "tools": [], "presence_penalty": 1, "user": "x",
    }, HYBRID)
    assert (call.model, call.stream, call.include_usage, call.stop) == (
        "v3.1", True, True, ("\n\n",))
    chat = call.chat
    assert chat.messages == (ChatMessage(Role.SYSTEM, "Be brief."),
                             ChatMessage(Role.USER, "Two\nparts"),
                             ChatMessage(Role.ASSISTANT, "BLUE"),  # its reasoning dropped
                             ChatMessage(Role.ASSISTANT, ""),
                             ChatMessage(Role.USER, "Again"))
    assert (chat.max_tokens, chat.seed, chat.deep_thinking) == (50, 7, False)
    assert chat.sampling == Sampling(temperature=0.2, top_p=0.5)


def test_what_is_left_out_takes_the_models_defaults() -> None:
    call = parse_chat_call({"messages": HI}, V3)
    assert (call.model, call.stream, call.include_usage, call.stop) == (None, False, False, ())
    assert (call.chat.max_tokens, call.chat.seed, call.chat.sampling) == (
        None, None, Sampling(0.3, 1.0))
    assert parse_chat_call({"messages": HI, "top_p": 0}, V3).chat.sampling == Sampling(
        temperature=0.0, top_p=1.0)  # nothing but the most likely token


# V4-Flash's template knows "max"; V4-Flash-0731's "high" and "max".
V4 = ServedModel("v4", "DeepSeek-V4-Flash", ThinkingMode.HYBRID, Sampling(1.0, 1.0), 8192,
                 effort_levels=("max",))
V4_0731 = ServedModel("v4", "DeepSeek-V4-Flash-0731", ThinkingMode.HYBRID, Sampling(1.0, 1.0),
                      8192, effort_levels=("high", "max"))


@pytest.mark.parametrize(("switch", "thinks", "v4_effort", "v4_0731_effort"), [
    ({}, False, None, None),
    ({"thinking": {"type": "enabled"}}, True, None, None),
    ({"thinking": {"type": "disabled"}, "chat_template_kwargs": {"thinking": True}}, False, None,
     None),
    ({"chat_template_kwargs": {"enable_thinking": True}}, True, None, None),
    ({"chat_template_kwargs": {"thinking": False}, "reasoning_effort": "high"}, False, None, None),
    ({"reasoning_effort": "max"}, True, "max", "max"),
    ({"reasoning_effort": "xhigh"}, True, "max", "max"),
    ({"reasoning_effort": "none"}, False, None, None),
    ({"chat_template_kwargs": {"reasoning_effort": "high"}}, True, None, "high"),
    # Editors send "low" or "medium" by default: the model's normal effort, never an error.
    ({"thinking": {"type": "enabled"}, "reasoning_effort": "low"}, True, None, "high"),
    ({"reasoning_effort": "medium"}, True, None, "high"),
])
def test_thinking_switches(switch: dict[str, object], thinks: bool, v4_effort: str | None,
                           v4_0731_effort: str | None) -> None:
    body = {"messages": HI, **switch}
    chat = parse_chat_call(body, HYBRID).chat
    assert (chat.deep_thinking, chat.reasoning_effort) == (thinks, None)  # V3.1: no levels
    assert parse_chat_call(body, V4).chat.reasoning_effort == v4_effort
    assert parse_chat_call(body, V4_0731).chat.reasoning_effort == v4_0731_effort
    assert parse_chat_call(body, R1).chat.deep_thinking is True  # R1 always thinks
    assert parse_chat_call(body, V3).chat.deep_thinking is False  # V3 never does
    assert parse_chat_call(body, V3).chat.reasoning_effort is None


@pytest.mark.parametrize(("body", "message", "param"), [
    ([], "The request body must be a JSON object.", None),
    ({}, "'messages' must be a non-empty list of messages.", "messages"),
    ({"messages": []}, "'messages' must be a non-empty list of messages.", "messages"),
    ({"messages": ["Hi"]}, "messages[0] must be an object.", "messages[0]"),
    ({"messages": [{"role": "bot", "content": "x"}]},
     "messages[0].role must be one of system, developer, user, assistant; got 'bot'.",
     "messages[0].role"),
    ({"messages": [*HI, {"role": "tool", "content": "42", "tool_call_id": "a"}]},
     "messages[1] has role 'tool': this server runs no tools.", "messages[1].role"),
    ({"messages": [{"role": "user", "content": 5}]},
     "messages[0].content must be a string or a list of text parts.", "messages[0].content"),
    ({"messages": [{"role": "user", "content": [{"type": "input_audio"}]}]},
     "messages[0].content[0] is not a text part; only text is supported (got type "
     "'input_audio').", "messages[0].content"),
    ({"messages": [{"role": "system", "content": "Be brief."}]},
     "The last message must come from the user: this server answers a user message.",
     "messages"),
    ({"messages": HI, "model": 3}, "'model' must be a string.", "model"),
    ({"messages": HI, "n": 2}, "Only one choice per request is supported ('n' must be 1).", "n"),
    ({"messages": HI, "response_format": {"type": "json_object"}},
     "Only text answers are supported: 'response_format' must be {\"type\": \"text\"}.",
     "response_format"),
    ({"messages": HI, "stream": "yes"}, "'stream' must be true or false; got 'yes'.", "stream"),
    ({"messages": HI, "stream_options": {"include_usage": 1}},
     "'stream_options.include_usage' must be true or false; got 1.",
     "stream_options.include_usage"),
    ({"messages": HI, "max_tokens": 0}, "'max_tokens' must be a positive integer; got 0.",
     "max_tokens"),
    ({"messages": HI, "max_completion_tokens": 1.5},
     "'max_completion_tokens' must be a positive integer; got 1.5.", "max_completion_tokens"),
    ({"messages": HI, "temperature": -1}, "'temperature' must be a number from 0 to 2; got -1.",
     "temperature"),
    ({"messages": HI, "top_p": "high"}, "'top_p' must be a number from 0 to 1; got 'high'.",
     "top_p"),
    ({"messages": HI, "seed": 1.5}, "'seed' must be an integer; got 1.5.", "seed"),
    ({"messages": HI, "stop": [1]}, "'stop' must be a string or a list of up to 16 strings.",
     "stop"),
    ({"messages": HI, "thinking": {"type": "auto"}},
     "'thinking' must be {\"type\": \"enabled\"} or {\"type\": \"disabled\"}.", "thinking"),
    ({"messages": HI, "reasoning_effort": "extreme"},
     "'reasoning_effort' must be one of none, minimal, low, medium, high, xhigh, max; got "
     "'extreme'.", "reasoning_effort"),
    ({"messages": HI, "chat_template_kwargs": ["thinking"]},
     "'chat_template_kwargs' must be an object.", "chat_template_kwargs"),
])
def test_refusals_name_the_field(body: object, message: str, param: str | None) -> None:
    with pytest.raises(ApiError) as refused:
        parse_chat_call(body, HYBRID)
    assert (refused.value.status, refused.value.message, refused.value.param) == (
        400, message, param)
    assert refused.value.body() == {"error": {"message": message, "type": "invalid_request_error",
                                              "param": param, "code": None}}
