"""What `chat` sends: the prompt, `--system TEXT` and the `--attach FILE`s, read and checked the
way the desktop app reads them (the same refusals: missing, binary, image, too large)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from backend.chat.attachments import check_fits, read_attachment
from backend.chat.messages import Attachment, ChatMessage, Role


def read_attachments(paths: Sequence[str]) -> tuple[Attachment, ...]:
    """Every `--attach FILE`, in order, with estimated token counts; refusals raise."""
    return tuple(read_attachment(path) for path in paths)


def recount(attachments: Sequence[Attachment], prompt: str, n_ctx: int,
            count_tokens: Callable[[str], int]) -> tuple[Attachment, ...]:
    """The attachments counted with the loaded model's tokenizer, refused if the message
    cannot fit `n_ctx` with room for the answer."""
    from dataclasses import replace

    from backend.chat.attachments import file_block

    counted = tuple(replace(a, tokens=count_tokens(file_block(a.name, a.text)))
                    for a in attachments)
    check_fits(counted, count_tokens(prompt), n_ctx)
    return counted


def chat_messages(prompt: str, system: str | None,
                  attachments: Sequence[Attachment]) -> tuple[ChatMessage, ...]:
    """The conversation of one question: the system prompt (if any), then the question with its
    files. Models without a system role get the system text folded into the question."""
    question = ChatMessage(Role.USER, prompt, attachments=tuple(attachments))
    if system and system.strip():
        return (ChatMessage(Role.SYSTEM, system), question)
    return (question,)
