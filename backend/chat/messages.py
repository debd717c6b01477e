"""What goes into a chat: messages, sampler settings and the request an engine answers.

These values cross every layer (GUI, CLI, local and remote engines, the API server), so they are
frozen and carry no behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Role
    content: str
    # Kept for display and storage; never sent back to the model (DeepSeek's rule).
    reasoning: str = ""


@dataclass(frozen=True, slots=True)
class Sampling:
    """Sampler settings. `top_k=0` and `min_p=0` switch those samplers off."""

    temperature: float = 0.6
    top_p: float = 0.95
    top_k: int = 0
    min_p: float = 0.0
    repeat_penalty: float = 1.0


@dataclass(frozen=True, slots=True)
class ChatRequest:
    messages: tuple[ChatMessage, ...]
    deep_thinking: bool
    sampling: Sampling | None = None  # None: the model family's recommended settings
    max_tokens: int | None = None  # None: until the model stops or the context is full
    seed: int | None = None  # None: a fresh random seed
    # "low" … "max" where the template takes an effort level (DeepSeek-V4); None: its default.
    reasoning_effort: str | None = None
