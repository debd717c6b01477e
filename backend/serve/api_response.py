"""Answers in OpenAI's chat-completions format, with DeepSeek's `reasoning_content`.

Reasoning never appears inline as `<think>` in `content`: it goes in `reasoning_content`, in
each stream delta and in the final message (null when the turn did not reason). A stream is
server-sent events: a first chunk with the role, one chunk per piece of text, a last chunk
with the `finish_reason`, then, with `stream_options.include_usage`, a chunk with empty
`choices` and the `usage`, and `data: [DONE]`.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field

from backend.chat.events import FinishReason, GenerationStats
from backend.serve.api_errors import ApiError

OWNER = "deepseek-local"


def finish_reason(reason: FinishReason) -> str:
    return "length" if reason is FinishReason.LENGTH else "stop"


def usage(stats: GenerationStats) -> dict[str, object]:
    cached = stats.cached_tokens
    return {
        "prompt_tokens": stats.prompt_tokens,
        "completion_tokens": stats.completion_tokens,
        "total_tokens": stats.prompt_tokens + stats.completion_tokens,
        "prompt_tokens_details": {"cached_tokens": cached},
        # DeepSeek's API names the same figures so.
        "prompt_cache_hit_tokens": cached,
        "prompt_cache_miss_tokens": stats.prompt_tokens - cached,
    }


def model_entry(name: str, created: int) -> dict[str, object]:
    return {"id": name, "object": "model", "created": created, "owned_by": OWNER}


@dataclass(slots=True)
class Completion:
    """The identity shared by every chunk of one answer."""

    model: str
    id: str = field(default_factory=lambda: f"chatcmpl-{uuid.uuid4().hex}")
    created: int = field(default_factory=lambda: int(time.time()))

    def message(self, reasoning: str | None, content: str, stats: GenerationStats
                ) -> dict[str, object]:
        """The whole answer (`stream: false`)."""
        return {
            "id": self.id, "object": "chat.completion", "created": self.created,
            "model": self.model,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": content,
                            "reasoning_content": reasoning},
                "logprobs": None,
                "finish_reason": finish_reason(stats.finish_reason),
            }],
            "usage": usage(stats),
        }

    def chunk(self, delta: dict[str, object], *, finish: str | None = None,
              include_usage: bool = False) -> bytes:
        body: dict[str, object] = {
            "id": self.id, "object": "chat.completion.chunk", "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if include_usage:
            body["usage"] = None
        return event(body)

    def usage_chunk(self, stats: GenerationStats) -> bytes:
        return event({"id": self.id, "object": "chat.completion.chunk",
                      "created": self.created, "model": self.model, "choices": [],
                      "usage": usage(stats)})


def event(body: dict[str, object]) -> bytes:
    """One server-sent event carrying `body` as JSON."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return b"data: " + text.encode() + b"\n\n"


def error_event(error: ApiError) -> bytes:
    return event(error.body())


DONE = b"data: [DONE]\n\n"
