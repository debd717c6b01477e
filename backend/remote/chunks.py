"""Chat-completion chunks (the OpenAI streaming format) → reasoning deltas, answer deltas, usage.

Servers deliver reasoning one of two ways, and the first chunk that carries text tells which:
- in its own field, `delta.reasoning_content` (DeepSeek's API, vLLM/SGLang reasoning parsers,
  llama.cpp's server) or `delta.reasoning` (newer vLLM); `delta.content` is then the answer;
- inline in `delta.content` as `<think>…</think>`, split by the same `ReasoningSplitter` as local
  models. When the chat template itself opened the block (R1, V3.1 thinking), the text starts
  inside it with no `<think>`: `opened_think` says so.
This is the edge where the server's dicts become values: nothing past it sees a chunk.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from backend.chat.events import AnswerDelta, FinishReason, ReasoningDelta
from backend.chat.reasoning import ReasoningSplitter
from backend.i18n import translate

Delta = ReasoningDelta | AnswerDelta
_REASONING_FIELDS = ("reasoning_content", "reasoning")


class MalformedChunk(ValueError):
    """A chunk that is not what the format promises; the message says what is wrong."""


class ServerReportedError(Exception):
    """The stream carried an error object instead of a chunk."""


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0


def finish_reason(value: str | None) -> FinishReason:
    """OpenAI's finish reasons as ours: only "length" is not a normal end of the turn."""
    return FinishReason.LENGTH if value == "length" else FinishReason.STOP


class ChunkDecoder:
    """Feed it each chunk (parsed JSON) of one answer; it returns the deltas to show."""

    def __init__(self, *, opened_think: bool, clock: Callable[[], float] = time.perf_counter
                 ) -> None:
        self._opened_think = opened_think
        self._clock = clock
        self._splitter: ReasoningSplitter | None = None  # made when the first text arrives
        self._reasoning_started = False
        self._reasoning_space = ""  # trailing whitespace of field reasoning, held back
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self.text_chunks = 0  # chunks that carried text: a token count when usage is missing
        self.first_at: float | None = None
        self.last_at: float | None = None

    def feed(self, chunk: object) -> list[Delta]:
        """Raises `MalformedChunk` or `ServerReportedError`."""
        if not isinstance(chunk, Mapping):
            raise MalformedChunk(translate(
                "RemoteStream", "an event is a JSON {type}, not an object"
            ).format(type=type(chunk).__name__))
        if chunk.get("error"):
            raise ServerReportedError(_error_text(chunk["error"]))
        usage = chunk.get("usage")
        if usage is not None:
            self.usage = _usage(usage)
        choices = chunk.get("choices")
        if choices is None and usage is not None:
            return []
        if not isinstance(choices, list):
            raise MalformedChunk(translate("RemoteStream", "an event has no 'choices' list"))
        out: list[Delta] = []
        for choice in choices:
            if not isinstance(choice, Mapping):
                raise MalformedChunk(translate("RemoteStream", "a choice is not an object"))
            if choice.get("index", 0) != 0:
                continue  # we ask for one answer; extra ones are not shown
            delta = choice.get("delta") or {}
            if not isinstance(delta, Mapping):
                raise MalformedChunk(
                    translate("RemoteStream", "a choice's 'delta' is not an object"))
            reasoning = next((v for k in _REASONING_FIELDS if (v := _text(delta, k))), "")
            content = _text(delta, "content")
            if reasoning or content:
                self._count()
            if reasoning:
                out += self._field_reasoning(reasoning)
            if content:
                out += self._content(content)
            reason = choice.get("finish_reason")
            if reason is not None:
                if not isinstance(reason, str):
                    raise MalformedChunk(translate(
                        "RemoteStream", "'finish_reason' is {value!r}, not a text"
                    ).format(value=reason))
                self.finish_reason = reason
        return _merged(out)

    def finish(self) -> list[Delta]:
        """What was held back, at the end of the stream."""
        self._reasoning_space = ""
        return self._splitter.finish() if self._splitter is not None else []

    def _count(self) -> None:
        now = self._clock()
        if self.first_at is None:
            self.first_at = now
        self.last_at = now
        self.text_chunks += 1

    def _field_reasoning(self, text: str) -> list[Delta]:
        if not self._reasoning_started:
            text = text.lstrip()
            if not text:
                return []
            self._reasoning_started = True
        kept = text.rstrip()
        if not kept:
            self._reasoning_space += text
            return []
        held, self._reasoning_space = self._reasoning_space, text[len(kept):]
        return [ReasoningDelta(held + kept)]

    def _content(self, text: str) -> list[Delta]:
        if self._splitter is None:
            if not text.strip():
                return []  # leading whitespace: dropped by either section anyway
            # Reasoning came in its own field first: the content is the answer.
            inline = not self._reasoning_started
            self._splitter = ReasoningSplitter(starts_in_reasoning=inline and self._opened_think)
        self._reasoning_space = ""  # trailing whitespace of the reasoning: layout only
        return self._splitter.feed(text)


def _text(delta: Mapping[str, object], key: str) -> str:
    value = delta.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedChunk(translate(
            "RemoteStream", "'delta.{key}' is {type}, not a text"
        ).format(key=key, type=type(value).__name__))
    return value


def _usage(value: object) -> Usage:
    if not isinstance(value, Mapping):
        raise MalformedChunk(translate("RemoteStream", "'usage' is not an object"))
    details = value.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, Mapping) else None
    if cached is None:
        cached = value.get("prompt_cache_hit_tokens")  # DeepSeek's API
    numbers = (value.get("prompt_tokens"), value.get("completion_tokens"), cached or 0)
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers):
        raise MalformedChunk(translate("RemoteStream", "'usage' does not hold token counts"))
    prompt, completion, cached_n = numbers
    assert isinstance(prompt, int) and isinstance(completion, int) and isinstance(cached_n, int)
    return Usage(prompt, completion, cached_n)


def _error_text(error: object) -> str:
    if isinstance(error, Mapping):
        message = error.get("message")
        if isinstance(message, str) and message.strip():
            return message.strip()
    if isinstance(error, str) and error.strip():
        return error.strip()
    return translate("RemoteStream", "no details given")


def _merged(deltas: list[Delta]) -> list[Delta]:
    out: list[Delta] = []
    for delta in deltas:
        if out and type(out[-1]) is type(delta):
            out[-1] = type(delta)(out[-1].text + delta.text)
        else:
            out.append(delta)
    return out
