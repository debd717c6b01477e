"""What comes out of a chat, and the backend-neutral `Engine` interface that produces it.

Messages go in (`messages`); a stream of reasoning deltas, answer deltas and one final
`Finished` comes out. The local llama.cpp engine and remote OpenAI-compatible servers both speak
this, so the GUI, the CLI and the API server never know which one runs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from backend.chat.messages import ChatRequest


class FinishReason(StrEnum):
    STOP = "stop"  # the model ended its turn
    LENGTH = "length"  # max_tokens or the context was reached
    CANCELLED = "cancelled"  # the user pressed stop


@dataclass(frozen=True, slots=True)
class GenerationStats:
    prompt_tokens: int  # the whole prompt, cached part included
    cached_tokens: int  # prompt tokens reused from the previous turn's KV cache
    completion_tokens: int
    ttft_s: float  # request to first generated token
    prompt_tps: float  # prompt tokens evaluated per second (cached ones excluded)
    decode_tps: float  # generated tokens per second after the first
    finish_reason: FinishReason


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    text: str


@dataclass(frozen=True, slots=True)
class AnswerDelta:
    text: str


@dataclass(frozen=True, slots=True)
class Finished:
    stats: GenerationStats


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """Generation goes on but showed nothing new (held-back whitespace, half a tag): lets a
    consumer that batches text release what it holds without waiting for the next delta."""


StreamEvent = ReasoningDelta | AnswerDelta | Heartbeat | Finished


class Engine(Protocol):
    """Anything that can answer a chat: the local llama.cpp engine or a remote server."""

    def chat(
        self, request: ChatRequest, *, cancel: threading.Event | None = None
    ) -> Iterator[StreamEvent]:
        """Stream the answer. Ends with exactly one `Finished` unless it raises `AppError`.

        Setting `cancel` (from any thread, even before the stream starts) ends it within one
        token with `FinishReason.CANCELLED`.
        """
        ...

    def cancel(self) -> None:
        """Stop the running `chat` within one token. Safe to call from any thread."""
        ...
