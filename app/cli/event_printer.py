"""An answer on the terminal, from any engine: dimmed reasoning, a rule, the answer, and the
figures on stderr; or JSON lines with `--json`. Local models and servers print alike."""

from __future__ import annotations

import json
import sys

from app.cli.commands import print_json
from backend.chat.events import AnswerDelta, Engine, Finished, ReasoningDelta, StreamEvent
from backend.chat.messages import ChatRequest
from backend.chat.tool_calls import ToolCallDelta


def print_answer(engine: Engine, request: ChatRequest, *, as_json: bool) -> int:
    """Stream `engine`'s answer to `request`; Ctrl+C stops it within one token."""
    printer = EventPrinter(as_json)
    try:
        for event in engine.chat(request):
            printer(event)
    except KeyboardInterrupt:
        engine.cancel()
        raise
    return 0


class EventPrinter:
    """Human output: dimmed reasoning, a rule, the answer; stats on stderr. Or JSON lines."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.section = ""
        self.dim = sys.stdout.isatty()

    def __call__(self, event: StreamEvent) -> None:
        if self.as_json:
            self._json(event)
        elif isinstance(event, ReasoningDelta):
            if self.section != "reasoning":
                print("Thinking…\n", flush=True)
                self.section = "reasoning"
            print(f"\x1b[2m{event.text}\x1b[0m" if self.dim else event.text, end="", flush=True)
        elif isinstance(event, ToolCallDelta):
            if self.section == "reasoning":
                print("\n\n---\n", flush=True)
            self.section = "answer"
            for call in event.calls:  # the app runs no tools: say so, readably
                print(f"\n[The model tried to call a tool: {call.name or '(no name)'} "
                      f"{call.arguments}]\n", flush=True)
        elif isinstance(event, AnswerDelta):
            if self.section == "reasoning":
                print("\n\n---\n", flush=True)
            self.section = "answer"
            print(event.text, end="", flush=True)
        elif isinstance(event, Finished):
            s = event.stats
            print(flush=True)
            print(f"[{s.completion_tokens} tokens, {s.decode_tps:.1f} tok/s, first token after "
                  f"{s.ttft_s:.2f} s, {s.finish_reason.value}]", file=sys.stderr)

    @staticmethod
    def _json(event: StreamEvent) -> None:
        if isinstance(event, ReasoningDelta):
            print_json({"type": "reasoning", "text": event.text})
        elif isinstance(event, ToolCallDelta):
            for call in event.calls:
                print_json({"type": "tool_call", "name": call.name,
                            "arguments": json.loads(call.arguments)})
        elif isinstance(event, AnswerDelta):
            print_json({"type": "answer", "text": event.text})
        elif isinstance(event, Finished):
            s = event.stats
            print_json({"type": "stats", "prompt_tokens": s.prompt_tokens,
                        "cached_tokens": s.cached_tokens,
                        "completion_tokens": s.completion_tokens, "ttft_s": round(s.ttft_s, 4),
                        "prompt_tps": round(s.prompt_tps, 2), "decode_tps": round(s.decode_tps, 2),
                        "finish_reason": s.finish_reason.value})
