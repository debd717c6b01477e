"""The values the app hands the chat view: one frozen record per message, and its state."""

from __future__ import annotations

from dataclasses import dataclass

from backend.chat.messages import Attachment, MessageState


@dataclass(frozen=True, slots=True)
class MessageView:
    """One message as the chat shows it.

    `thinking_seconds` is how long the model reasoned ("Thought for 12 s"); `stats_text` and
    `notice` are shown verbatim (e.g. "12.3 tok/s · 0.4 s to first token · 321 tokens";
    "Stopped.", or an error message). `version` of `versions`: which of the answers (or edited
    questions) at this place is shown ("‹ 2/3 ›" when there are several); `attachments`: a
    user's files.
    """

    id: str
    role: str  # "user" or "assistant"
    content: str
    reasoning: str = ""
    thinking_seconds: float | None = None
    state: MessageState = MessageState.COMPLETE
    stats_text: str = ""
    notice: str = ""
    version: int = 1
    versions: int = 1
    attachments: tuple[Attachment, ...] = ()
    can_continue: bool = False  # it stopped while thinking: offer Continue

    @property
    def is_user(self) -> bool:
        return self.role == "user"
