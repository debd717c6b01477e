"""An OpenAI / DeepSeek chat-completions request body → a `ChatRequest` for the engine.

This is the edge where the client's JSON becomes values: nothing past it sees the dict. It
honours `messages`, `max_tokens` / `max_completion_tokens`, `temperature`, `top_p`, `seed`,
`stop`, `stream` and `stream_options.include_usage`, and the thinking switches: DeepSeek's
`thinking: {"type": "enabled"|"disabled"}`, `chat_template_kwargs` (`thinking`,
`enable_thinking`, `reasoning_effort`) and `reasoning_effort` ("none" turns thinking off). A
hybrid model toggles its thinking; R1 always thinks and V3 never does, whatever is asked.
Reasoning that clients send back (`reasoning_content`) is dropped, as in the app. Fields that
change nothing here (tools, penalties, logprobs, user, ...) are ignored; the ones that would
change the answer's form and cannot be honoured (`n` > 1, a JSON `response_format`, images)
are refused.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from backend.chat.messages import ChatMessage, ChatRequest, Role, Sampling
from backend.serve.api_errors import bad_request
from backend.serve.served_model import ServedModel

MAX_STOP = 16
EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
_ROLES = {"system": Role.SYSTEM, "developer": Role.SYSTEM, "user": Role.USER,
          "assistant": Role.ASSISTANT}


@dataclass(frozen=True, slots=True)
class ChatCall:
    """What one chat-completions request asks for."""

    chat: ChatRequest
    model: str | None  # the name asked for; None: whatever is loaded
    stream: bool
    include_usage: bool
    stop: tuple[str, ...]


def parse_chat_call(body: object, served: ServedModel) -> ChatCall:
    """Raises `ApiError` (400) naming the field that is wrong."""
    if not isinstance(body, Mapping):
        raise bad_request("The request body must be a JSON object.")
    model = body.get("model")
    if model is not None and not isinstance(model, str):
        raise bad_request("'model' must be a string.", param="model")
    n = body.get("n")
    if n is not None and n != 1:
        raise bad_request("Only one choice per request is supported ('n' must be 1).",
                          param="n")
    response_format = body.get("response_format")
    if isinstance(response_format, Mapping) and response_format.get("type", "text") != "text":
        raise bad_request("Only text answers are supported: 'response_format' must be "
                          "{\"type\": \"text\"}.", param="response_format")
    stream = _bool(body, "stream", False)
    options = body.get("stream_options")
    if options is not None and not isinstance(options, Mapping):
        raise bad_request("'stream_options' must be an object.", param="stream_options")
    include_usage = bool(options and _bool(options, "include_usage", False, "stream_options."))
    max_tokens = _positive_int(body, "max_completion_tokens")
    if max_tokens is None:
        max_tokens = _positive_int(body, "max_tokens")
    wanted, effort = _thinking(body)
    thinking = served.thinks(wanted)
    chat = ChatRequest(
        messages=_messages(body.get("messages")),
        deep_thinking=thinking,
        sampling=_sampling(body, served.sampling),
        max_tokens=max_tokens,
        seed=_seed(body),
        reasoning_effort=served.effort_for(effort) if thinking else None,
    )
    return ChatCall(chat=chat, model=model, stream=stream, include_usage=include_usage,
                    stop=_stop(body.get("stop")))


def _messages(value: object) -> tuple[ChatMessage, ...]:
    if not isinstance(value, list) or not value:
        raise bad_request("'messages' must be a non-empty list of messages.", param="messages")
    messages = []
    for i, item in enumerate(value):
        where = f"messages[{i}]"
        if not isinstance(item, Mapping):
            raise bad_request(f"{where} must be an object.", param=where)
        role = item.get("role")
        if role in ("tool", "function"):
            raise bad_request(f"{where} has role '{role}': this server runs no tools.",
                              param=f"{where}.role")
        if not isinstance(role, str) or role not in _ROLES:
            raise bad_request(f"{where}.role must be one of system, developer, user, "
                              f"assistant; got {role!r}.", param=f"{where}.role")
        # `reasoning_content` of earlier answers is never sent back to the model.
        messages.append(ChatMessage(_ROLES[role], _content(item.get("content"), where)))
    if messages[-1].role is not Role.USER:
        raise bad_request("The last message must come from the user: this server answers a "
                          "user message.", param="messages")
    return tuple(messages)


def _content(value: object, where: str) -> str:
    if value is None:
        return ""  # an assistant turn that only called tools
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = []
        for j, part in enumerate(value):
            kind = part.get("type") if isinstance(part, Mapping) else None
            if kind != "text" or not isinstance(part.get("text"), str):
                raise bad_request(f"{where}.content[{j}] is not a text part; only text is "
                                  f"supported (got type {kind!r}).", param=f"{where}.content")
            texts.append(part["text"])
        return "\n".join(texts)
    raise bad_request(f"{where}.content must be a string or a list of text parts.",
                      param=f"{where}.content")


def _thinking(body: Mapping[str, object]) -> tuple[bool | None, str | None]:
    """(thinking asked for or None, effort level or None), from the first switch present."""
    effort = body.get("reasoning_effort")
    kwargs = body.get("chat_template_kwargs")
    if kwargs is not None and not isinstance(kwargs, Mapping):
        raise bad_request("'chat_template_kwargs' must be an object.",
                          param="chat_template_kwargs")
    if effort is None and kwargs:
        effort = kwargs.get("reasoning_effort")
    if effort is not None and effort not in EFFORTS:
        raise bad_request(f"'reasoning_effort' must be one of {', '.join(EFFORTS)}; got "
                          f"{effort!r}.", param="reasoning_effort")
    thinking = body.get("thinking")
    if thinking is not None:
        kind = thinking.get("type") if isinstance(thinking, Mapping) else None
        if kind not in ("enabled", "disabled"):
            raise bad_request("'thinking' must be {\"type\": \"enabled\"} or {\"type\": "
                              "\"disabled\"}.", param="thinking")
        return kind == "enabled", _effort(effort)
    if kwargs:
        for key in ("thinking", "enable_thinking"):
            if key in kwargs:
                return _bool(kwargs, key, False, "chat_template_kwargs."), _effort(effort)
    if effort is not None:
        return effort != "none", _effort(effort)
    return None, None


def _effort(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _sampling(body: Mapping[str, object], default: Sampling) -> Sampling:
    temperature = _number(body, "temperature", 0.0, 2.0)
    top_p = _number(body, "top_p", 0.0, 1.0)
    sampling = default
    if temperature is not None:
        sampling = replace(sampling, temperature=temperature)
    if top_p is not None:
        sampling = replace(sampling, top_p=top_p)
        if top_p == 0:  # only the most likely token is left
            sampling = replace(sampling, temperature=0.0, top_p=1.0)
    return sampling


def _stop(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    stops = [value] if isinstance(value, str) else value
    if (not isinstance(stops, list) or len(stops) > MAX_STOP
            or not all(isinstance(s, str) for s in stops)):
        raise bad_request(f"'stop' must be a string or a list of up to {MAX_STOP} strings.",
                          param="stop")
    return tuple(s for s in stops if s)


def _seed(body: Mapping[str, object]) -> int | None:
    value = body.get("seed")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"'seed' must be an integer; got {value!r}.", param="seed")
    return value


def _bool(body: Mapping[str, object], key: str, default: bool, prefix: str = "") -> bool:
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise bad_request(f"'{prefix}{key}' must be true or false; got {value!r}.",
                          param=prefix + key)
    return value


def _positive_int(body: Mapping[str, object], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise bad_request(f"'{key}' must be a positive integer; got {value!r}.", param=key)
    return value


def _number(body: Mapping[str, object], key: str, low: float, high: float) -> float | None:
    value = body.get(key)
    if value is None:
        return None
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or not math.isfinite(value) or not low <= value <= high):
        raise bad_request(f"'{key}' must be a number from {low:g} to {high:g}; got {value!r}.",
                          param=key)
    return float(value)


