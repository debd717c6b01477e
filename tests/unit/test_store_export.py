"""Tests for exporting a conversation: the exact Markdown and JSON texts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.chat.events import FinishReason, GenerationStats
from backend.chat.messages import Attachment, AttachmentKind, MessageState, Role, Sampling
from backend.store.conversations import ConversationStore

T0 = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
STATS = GenerationStats(prompt_tokens=120, cached_tokens=100, completion_tokens=42, ttft_s=0.25,
                        prompt_tps=80.0, decode_tps=21.5, finish_reason=FinishReason.STOP)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path / "conversations.sqlite3", clock=clock) as opened:
        yield opened


@pytest.fixture
def exported(store: ConversationStore, clock: Clock) -> str:
    c = store.create_conversation("Sorting in Python", model="DeepSeek-R1-Distill-Qwen-7B")
    store.add_message(c.id, Role.USER, "How do I sort?\n")
    clock.tick(90)
    answer = store.add_message(c.id, Role.ASSISTANT, "", model="DeepSeek-R1-Distill-Qwen-7B",
                               state=MessageState.STREAMING)
    clock.tick(5)
    store.finish_message(answer.id, content="Use `sorted()`:\n\n    sorted([3, 1, 2])\n",
                         reasoning="The user wants sorting.\n\nsorted() is simplest.",
                         thinking_seconds=3.25, stats=STATS, state=MessageState.COMPLETE)
    store.add_message(c.id, Role.USER, "And in reverse?")
    failed = store.add_message(c.id, Role.ASSISTANT, "", state=MessageState.STREAMING)
    store.finish_message(failed.id, content="", reasoning="", thinking_seconds=None, stats=None,
                         state=MessageState.ERROR, error="The model ran out of memory.")
    return c.id


def test_export_markdown(store: ConversationStore, exported: str) -> None:
    expected = """\
# Sorting in Python

Started 2023-11-14 22:13 UTC · DeepSeek-R1-Distill-Qwen-7B

## User

How do I sort?

## Assistant · DeepSeek-R1-Distill-Qwen-7B

> **Reasoning** (3.2 s)
>
> The user wants sorting.
>
> sorted() is simplest.

Use `sorted()`:

    sorted([3, 1, 2])

*42 tokens · 21.5 tokens/s · 0.25 s to first token*

## User

And in reverse?

## Assistant

*Error: The model ran out of memory.*
"""
    assert store.export_markdown(exported) == expected
    assert store.export_markdown(exported, with_stats=False) == expected.replace(
        "*42 tokens · 21.5 tokens/s · 0.25 s to first token*\n\n", "")


def test_export_markdown_notes_stopped_and_interrupted_answers(store: ConversationStore) -> None:
    c = store.create_conversation("Notes")
    store.add_message(c.id, Role.ASSISTANT, "Half", state=MessageState.INTERRUPTED)
    store.add_message(c.id, Role.ASSISTANT, "Stop", state=MessageState.CANCELLED)
    assert store.export_markdown(c.id) == (
        "# Notes\n\nStarted 2023-11-14 22:13 UTC\n\n"
        "## Assistant\n\nHalf\n\n*Interrupted: the app closed while this answer was being "
        "written.*\n\n## Assistant\n\nStop\n\n*Stopped.*\n"
    )


def test_export_json(store: ConversationStore, exported: str) -> None:
    ids = [m.id for m in store.messages(exported)]
    assert store.export_json(exported) == f"""\
{{
  "format": "deepseek-local.conversation",
  "version": 2,
  "id": "{exported}",
  "title": "Sorting in Python",
  "created_at": "2023-11-14T22:13:20.000+00:00",
  "updated_at": "2023-11-14T22:14:55.000+00:00",
  "deep_thinking": false,
  "reasoning_effort": null,
  "model": "DeepSeek-R1-Distill-Qwen-7B",
  "engine": "local",
  "system_prompt": null,
  "sampling": null,
  "messages": [
    {{
      "id": "{ids[0]}",
      "role": "user",
      "version": 1,
      "versions": 1,
      "attachments": [],
      "content": "How do I sort?\\n",
      "reasoning": "",
      "thinking_seconds": null,
      "model": null,
      "state": "complete",
      "error": null,
      "finish_reason": null,
      "stats": null,
      "created_at": "2023-11-14T22:13:20.000+00:00",
      "updated_at": "2023-11-14T22:13:20.000+00:00"
    }},
    {{
      "id": "{ids[1]}",
      "role": "assistant",
      "version": 1,
      "versions": 1,
      "attachments": [],
      "content": "Use `sorted()`:\\n\\n    sorted([3, 1, 2])\\n",
      "reasoning": "The user wants sorting.\\n\\nsorted() is simplest.",
      "thinking_seconds": 3.25,
      "model": "DeepSeek-R1-Distill-Qwen-7B",
      "state": "complete",
      "error": null,
      "finish_reason": "stop",
      "stats": {{
        "prompt_tokens": 120,
        "cached_tokens": 100,
        "completion_tokens": 42,
        "ttft_s": 0.25,
        "prompt_tps": 80.0,
        "decode_tps": 21.5,
        "finish_reason": "stop"
      }},
      "created_at": "2023-11-14T22:14:50.000+00:00",
      "updated_at": "2023-11-14T22:14:55.000+00:00"
    }},
    {{
      "id": "{ids[2]}",
      "role": "user",
      "version": 1,
      "versions": 1,
      "attachments": [],
      "content": "And in reverse?",
      "reasoning": "",
      "thinking_seconds": null,
      "model": null,
      "state": "complete",
      "error": null,
      "finish_reason": null,
      "stats": null,
      "created_at": "2023-11-14T22:14:55.000+00:00",
      "updated_at": "2023-11-14T22:14:55.000+00:00"
    }},
    {{
      "id": "{ids[3]}",
      "role": "assistant",
      "version": 1,
      "versions": 1,
      "attachments": [],
      "content": "",
      "reasoning": "",
      "thinking_seconds": null,
      "model": null,
      "state": "error",
      "error": "The model ran out of memory.",
      "finish_reason": null,
      "stats": null,
      "created_at": "2023-11-14T22:14:55.000+00:00",
      "updated_at": "2023-11-14T22:14:55.000+00:00"
    }}
  ]
}}
"""


def test_exports_write_the_chosen_versions_the_attachments_and_the_system_prompt(
        store: ConversationStore) -> None:
    notes = Attachment("notes.md", AttachmentKind.TEXT, 1234, "# Todo\n```sh\nls\n```", 9)
    c = store.create_conversation("Files", system_prompt="Be brief.")
    store.set_sampling(c.id, Sampling(temperature=0.3, top_p=1.0))
    store.add_message(c.id, Role.USER, "Summarize", attachments=[notes])
    first = store.add_message(c.id, Role.ASSISTANT, "First try")
    store.add_message(c.id, Role.ASSISTANT, "Second try", version_of=first.id)
    store.add_message(c.id, Role.ASSISTANT, "Third try", version_of=first.id)
    store.select_version(first.id, 1)  # the second is chosen
    assert store.export_markdown(c.id) == """\
# Files

Started 2023-11-14 22:13 UTC

## System

Be brief.

## User

**Attached: notes.md** (1.2 kB)

````text
# Todo
```sh
ls
```
````

Summarize

## Assistant · version 2 of 3

Second try
"""
    record = json.loads(store.export_json(c.id))
    assert (record["system_prompt"], record["sampling"]) == ("Be brief.", {
        "temperature": 0.3, "top_p": 1.0, "top_k": 0, "min_p": 0.0, "repeat_penalty": 1.0})
    assert [(m["content"], m["version"], m["versions"]) for m in record["messages"]] == [
        ("Summarize", 1, 1), ("Second try", 2, 3)]
    assert record["messages"][0]["attachments"] == [{
        "name": "notes.md", "kind": "text", "size": 1234, "tokens": 9, "truncated": False,
        "text": "# Todo\n```sh\nls\n```"}]
