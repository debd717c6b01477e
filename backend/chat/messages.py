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
class EngineRef:
    """Which engine answers a conversation: the local llama.cpp model, or a saved server
    connection. Conversations keep it (as `str(ref)`: "local" or "remote:<connection id>")."""

    connection_id: str | None = None  # None: the local model

    @property
    def is_local(self) -> bool:
        return self.connection_id is None

    @classmethod
    def parse(cls, text: str) -> EngineRef:
        """The reference a conversation stored; anything but a remote one is the local model."""
        if text.startswith(_REMOTE_PREFIX) and len(text) > len(_REMOTE_PREFIX):
            return cls(text[len(_REMOTE_PREFIX):])
        return LOCAL_ENGINE

    def __str__(self) -> str:
        return "local" if self.connection_id is None else _REMOTE_PREFIX + self.connection_id


_REMOTE_PREFIX = "remote:"
LOCAL_ENGINE = EngineRef()


class MessageState(StrEnum):
    """Where a message is in its life: the store keeps it, the chat view shows it."""

    COMPLETE = "complete"
    STREAMING = "streaming"  # being written now, or the app died while writing it
    INTERRUPTED = "interrupted"  # the app died mid-answer; the partial text is kept
    ERROR = "error"  # generation failed; the message says why; never sent back to the model
    CANCELLED = "cancelled"  # the user pressed stop; the partial text is kept


class AttachmentKind(StrEnum):
    TEXT = "text"  # plain text, Markdown, code, in any encoding
    PDF = "pdf"  # the text of its pages
    DOCX = "docx"  # the text of its paragraphs


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to a user message, as text: the model reads `text`, never the file.

    `size` is the file's size in bytes; `tokens` its text's length in the model's tokens (or an
    estimate where no tokenizer was at hand); `truncated`: only its first part was kept, with the
    user's consent, to fit the context.
    """

    name: str
    kind: AttachmentKind
    size: int
    text: str
    tokens: int
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Role
    content: str
    # Kept for display and storage; never sent back to the model (DeepSeek's rule).
    reasoning: str = ""
    attachments: tuple[Attachment, ...] = ()  # a user message's files, sent before its text


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
    # The conversation this answers, if it is saved: the engine files its KV snapshot under it
    # (deleted with the conversation).
    conversation_id: str | None = None
    # The reasoning of an answer that stopped while thinking: the model goes on from its end,
    # inside the think block ("Continue"). Empty: a new answer.
    continue_reasoning: str = ""
    # With deep thinking, the template's `reasoning_effort` ("high", "max": DeepSeek's effort
    # preamble; see `FamilyInfo.effort_levels`). None: the model's default effort.
    reasoning_effort: str | None = None
