"""A conversation as Markdown (to read or share) or as JSON (a stable, versioned record).

Also the JSON form of `GenerationStats`, shared with the store's `stats` column. Times are
written in UTC so that an export reads the same wherever it was made.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from backend.chat.events import FinishReason, GenerationStats
from backend.i18n import translate

if TYPE_CHECKING:  # the store imports this module at load time
    from backend.store.conversations import Conversation, StoredMessage

JSON_FORMAT = "deepseek-local.conversation"
JSON_VERSION = 1


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
    for message in messages:
        heading = f"## {_heading(message.role.value)}"
        if message.model and message.role.value == "assistant":
            heading += f" · {message.model}"
        blocks.append(heading)
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
        "engine": conversation.engine,
        "messages": [
            {
                "id": m.id,
                "role": m.role.value,
                "content": m.content,
                "reasoning": m.reasoning,
                "thinking_seconds": m.thinking_seconds,
                "model": m.model,
                "state": m.state.value,
                "error": m.error,
                "stats": None if m.stats is None else stats_to_dict(m.stats),
                "created_at": _iso(m.created_at),
                "updated_at": _iso(m.updated_at),
            }
            for m in messages
        ],
    }
    return json.dumps(record, ensure_ascii=False, indent=2) + "\n"


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
    if state == "cancelled":
        return message.error or translate("StoreExport", "Stopped.")
    return message.error or ""


def _trim(text: str) -> str:
    # Outer blank lines only: leading spaces may be Markdown (an indented code block).
    return text.strip("\n").rstrip()


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds")
