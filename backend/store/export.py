"""A conversation as Markdown (to read or share) or as JSON (a stable, versioned record).

Both write the path shown now (the chosen version of each turn) with the attached files' text.
Also the JSON form of `GenerationStats`, shared with the store's `stats` column. Times are
written in UTC so that an export reads the same wherever it was made.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from backend.chat.events import FinishReason, GenerationStats
from backend.chat.messages import Attachment
from backend.i18n import translate
from backend.units import format_bytes

if TYPE_CHECKING:  # the store imports this module at load time
    from backend.store.conversations import Conversation, StoredMessage

JSON_FORMAT = "deepseek-local.conversation"
JSON_VERSION = 2  # 2: the chosen path with versions, attachments, system prompt and sampling


def stats_to_dict(stats: GenerationStats) -> dict[str, Any]:
    return {
        "prompt_tokens": stats.prompt_tokens,
        "cached_tokens": stats.cached_tokens,
        "completion_tokens": stats.completion_tokens,
        "ttft_s": stats.ttft_s,
        "prompt_tps": stats.prompt_tps,
        "decode_tps": stats.decode_tps,
        "finish_reason": stats.finish_reason.value,
    }


def stats_from_dict(data: dict[str, Any]) -> GenerationStats:
    return GenerationStats(
        prompt_tokens=int(data["prompt_tokens"]),
        cached_tokens=int(data["cached_tokens"]),
        completion_tokens=int(data["completion_tokens"]),
        ttft_s=float(data["ttft_s"]),
        prompt_tps=float(data["prompt_tps"]),
        decode_tps=float(data["decode_tps"]),
        finish_reason=FinishReason(data["finish_reason"]),
    )


def to_markdown(
    conversation: Conversation, messages: Sequence[StoredMessage], *, with_stats: bool = True
) -> str:
    """The title as a heading, then each message under its role, reasoning as a quote."""
    started = datetime.fromtimestamp(conversation.created_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    if conversation.model:
        byline = translate("StoreExport", "Started {time} · {model}").format(
            time=started, model=conversation.model)
    else:
        byline = translate("StoreExport", "Started {time}").format(time=started)
    blocks = [f"# {conversation.title}", byline]
    if conversation.system_prompt and conversation.system_prompt.strip():
        blocks += [f"## {_heading('system')}", _trim(conversation.system_prompt)]
    for message in messages:
        heading = f"## {_heading(message.role.value)}"
        if message.model and message.role.value == "assistant":
            heading += f" · {message.model}"
        if message.versions > 1:
            heading += " · " + translate("StoreExport", "version {version} of {versions}").format(
                version=message.version, versions=message.versions)
        blocks.append(heading)
        blocks += [_attachment_markdown(a) for a in message.attachments]
        if message.reasoning.strip():
            seconds = message.thinking_seconds
            if seconds is None:
                label = translate("StoreExport", "**Reasoning**")
            else:
                label = translate("StoreExport", "**Reasoning** ({seconds:.1f} s)").format(
                    seconds=seconds)
            lines = _trim(message.reasoning).split("\n")
            quoted = "\n".join(f"> {line}".rstrip() for line in lines)
            blocks.append(f"> {label}\n>\n{quoted}")
        if message.content.strip():
            blocks.append(_trim(message.content))
        if note := _note(message):
            blocks.append(f"*{note}*")
        if with_stats and message.stats is not None:
            s = message.stats
            blocks.append("*" + translate(
                "StoreExport",
                "{tokens} tokens · {tps:.1f} tokens/s · {ttft:.2f} s to first token",
            ).format(tokens=s.completion_tokens, tps=s.decode_tps, ttft=s.ttft_s) + "*")
    return "\n\n".join(blocks) + "\n"


def to_json(conversation: Conversation, messages: Sequence[StoredMessage]) -> str:
    """Every field the store keeps, under a format name and version; keys in a fixed order."""
    record = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "id": conversation.id,
        "title": conversation.title,
        "created_at": _iso(conversation.created_at),
        "updated_at": _iso(conversation.updated_at),
        "deep_thinking": conversation.deep_thinking,
        "reasoning_effort": conversation.reasoning_effort,
        "model": conversation.model,
        "engine": str(conversation.engine),
        "system_prompt": conversation.system_prompt,
        "sampling": (None if conversation.sampling is None
                     else dataclasses.asdict(conversation.sampling)),
        "messages": [
            {
                "id": m.id,
                "role": m.role.value,
                "version": m.version,
                "versions": m.versions,
                "attachments": [
                    {"name": a.name, "kind": a.kind.value, "size": a.size, "tokens": a.tokens,
                     "truncated": a.truncated, "text": a.text}
                    for a in m.attachments
                ],
                "content": m.content,
                "reasoning": m.reasoning,
                "thinking_seconds": m.thinking_seconds,
                "model": m.model,
                "state": m.state.value,
                "error": m.error,
                "finish_reason": m.finish_reason.value if m.finish_reason else None,
                "stats": None if m.stats is None else stats_to_dict(m.stats),
                "created_at": _iso(m.created_at),
                "updated_at": _iso(m.updated_at),
            }
            for m in messages
        ],
    }
    return json.dumps(record, ensure_ascii=False, indent=2) + "\n"


def _attachment_markdown(attachment: Attachment) -> str:
    """A file's name and size in bold, its text in a fence longer than any inside it."""
    if attachment.truncated:
        label = translate("StoreExport", "**Attached: {name}** ({size}, first part only)")
    else:
        label = translate("StoreExport", "**Attached: {name}** ({size})")
    runs = [len(run) for run in re.findall(r"`{3,}", attachment.text)]
    fence = "`" * max(3, *(n + 1 for n in runs)) if runs else "```"
    text = attachment.text.strip("\n")
    return (label.format(name=attachment.name, size=format_bytes(attachment.size))
            + f"\n\n{fence}text\n{text}\n{fence}")


def _heading(role: str) -> str:
    if role == "system":
        return translate("StoreExport", "System")
    if role == "user":
        return translate("StoreExport", "User")
    if role == "assistant":
        return translate("StoreExport", "Assistant")
    return role.title()


def _note(message: StoredMessage) -> str:
    state = message.state.value
    if state == "error":
        return translate("StoreExport", "Error: {error}").format(
            error=message.error or translate("StoreExport", "unknown"))
    if state == "interrupted":
        return translate("StoreExport",
                         "Interrupted: the app closed while this answer was being written.")
    if state == "streaming":
        return translate("StoreExport", "Still being written when exported.")
    if state == "cancelled" or message.finish_reason is FinishReason.CANCELLED:
        return translate("StoreExport", "Stopped.")
    if message.finish_reason is FinishReason.LENGTH:
        return translate("StoreExport", "The answer reached the length limit.")
    return ""


def _trim(text: str) -> str:
    # Outer blank lines only: leading spaces may be Markdown (an indented code block).
    return text.strip("\n").rstrip()


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds")
