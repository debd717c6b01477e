"""Tool-call markup in DeepSeek output: taken out of the stream, parsed, kept as a stable block.

DeepSeek models may write tool calls even when nobody offered them tools: V3.2 and V4 in DSML
(`<｜DSML｜function_calls>`, `<｜DSML｜tool_calls>` with `<｜DSML｜invoke name=…>` and
`<｜DSML｜parameter …>`), V3/R1/V3.1 between `<｜tool▁calls▁begin｜>` and `<｜tool▁calls▁end｜>`.
The app runs no tools, so such markup must never show as raw text: `ToolCallFilter` takes it out
of the streamed deltas and emits a `ToolCallDelta` instead. Its text is a fenced JSON block
(`tool_block`) that the conversation store keeps inside the message like any answer text, that
`split_tool_blocks` finds again, and that the views show folded ("The model tried to call a tool").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from backend.chat.events import AnswerDelta, ReasoningDelta

BLOCK_LANG = "deepseek-tool-call"
_BLOCK = re.compile(r"```" + BLOCK_LANG + r"\n(.*?)\n```", re.DOTALL)
_BLOCK_RUN = re.compile(r"\n*(?:```" + BLOCK_LANG + r"\n.*?\n```[ \t]*\n*)+", re.DOTALL)
# Where a markup region opens, and the text that closes it.
_OPEN = re.compile(
    r"<｜DSML｜(function_calls|tool_calls)>|<｜DSML｜(invoke)(?![\w])|<｜(tool▁calls?▁begin)｜>")
_CLOSE = {
    "function_calls": "</｜DSML｜function_calls>",
    "tool_calls": "</｜DSML｜tool_calls>",
    "invoke": "</｜DSML｜invoke>",
    "tool▁calls▁begin": "<｜tool▁calls▁end｜>",
    "tool▁call▁begin": "<｜tool▁call▁end｜>",
}
# A lone marker outside any region (a closing tag, a separator, hallucinated tool output markers).
_STRAY = re.compile(r"</?｜DSML｜[^<>\n]{0,200}>|<｜tool▁[^｜<>\n]{1,40}｜>")
_MARKUP_START = re.compile(r"</?｜")
_LONGEST_TAG = 256  # a marker not closed within this many characters is ordinary text

_DSML_INVOKE = re.compile(r'<｜DSML｜invoke\s+name="([^"]*)"\s*>(.*?)(?:</｜DSML｜invoke>|$)',
                          re.DOTALL)
_DSML_PARAM = re.compile(
    r'<｜DSML｜parameter\s+name="([^"]*)"(?:\s+string="(true|false)")?\s*>(.*?)'
    r"(?:</｜DSML｜parameter>|$)", re.DOTALL)
_V3_CALL = re.compile(r"<｜tool▁call▁begin｜>(.*?)(?:<｜tool▁sep｜>(.*?))?(?:<｜tool▁call▁end｜>|$)",
                      re.DOTALL)
_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")

Delta = ReasoningDelta | AnswerDelta


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One call the model tried to make: a function name and its arguments as JSON text."""

    name: str  # "" when the markup broke off before the name
    arguments: str  # JSON text (a raw, unparsable argument text is kept as a JSON string)

    def pretty_arguments(self) -> str:
        """The arguments for reading: indented JSON, or the model's own text."""
        value = json.loads(self.arguments)
        if isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2)


@dataclass(frozen=True, slots=True)
class ToolCallDelta(AnswerDelta):
    """Tool calls found in the output. `text` is their stable block (`tool_block`), so anything
    that only knows answer text keeps them readable; views that know them show them folded."""

    calls: tuple[ToolCall, ...] = ()


def tool_block(calls: tuple[ToolCall, ...]) -> str:
    """The calls as the text saved with the message: one fenced JSON block per call."""
    blocks = []
    for call in calls:
        payload = {"name": call.name, "arguments": json.loads(call.arguments)}
        blocks.append(f"```{BLOCK_LANG}\n{json.dumps(payload, ensure_ascii=False)}\n```")
    return "\n\n" + "\n\n".join(blocks) + "\n\n"


def split_tool_blocks(content: str, *, strip: bool = True) -> tuple[str, tuple[ToolCall, ...]]:
    """A saved answer without its tool-call blocks, and the calls they hold. `strip=False`
    keeps the text's own leading and trailing whitespace (a piece of a streaming answer)."""
    if BLOCK_LANG not in content:
        return content, ()
    calls: list[ToolCall] = []

    def take(run: re.Match[str]) -> str:
        found = []
        for block in _BLOCK.finditer(run.group(0)):
            try:
                payload = json.loads(block.group(1))
                name = str(payload["name"])
                arguments = json.dumps(payload["arguments"], ensure_ascii=False)
            except (ValueError, TypeError, KeyError):
                return run.group(0)  # not ours: leave the text as it is
            found.append(ToolCall(name, arguments))
        calls.extend(found)
        return "\n\n"

    text = _BLOCK_RUN.sub(take, content)
    if not calls:
        return content, ()
    return (text.strip() if strip else text), tuple(calls)


def parse_markup(raw: str) -> tuple[ToolCall, ...]:
    """The calls in one markup region (DSML, or the V3/R1/V3.1 tokens); never empty."""
    calls: list[ToolCall] = []
    if "｜DSML｜" in raw:
        for name, body in _DSML_INVOKE.findall(raw):
            arguments: dict[str, object] = {}
            for key, is_string, value in _DSML_PARAM.findall(body):
                arguments[key] = value if is_string != "false" else _json_or_text(value)
            calls.append(ToolCall(name.strip(), json.dumps(arguments, ensure_ascii=False)))
    else:
        for head, rest in _V3_CALL.findall(raw):
            head = head.strip()
            if head == "function":  # R1 / V3: the name on the first line, then a ```json fence
                name, _, rest = rest.partition("\n")
                rest = _FENCE.sub("", rest)
            else:  # V3.1: the name before <｜tool▁sep｜>, raw JSON after
                name = head
            value = _json_or_text(rest.strip())
            calls.append(ToolCall(name.strip(), json.dumps(value, ensure_ascii=False)))
    if not calls:  # markup that broke off before its first call
        inner = _STRAY.sub("", _OPEN.sub("", raw)).strip()
        calls.append(ToolCall("", json.dumps(inner, ensure_ascii=False)))
    return tuple(calls)


def _json_or_text(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return text


class ToolCallFilter:
    """Takes tool-call markup out of reasoning and answer deltas, one piece at a time.

    Text that may still grow into a marker ("<｜DS") is held back until the next piece decides;
    a markup region is held until it closes (or the stream ends), then comes out as one
    `ToolCallDelta`. Everything else passes through at once, in order.
    """

    __slots__ = ("_close", "_hold", "_hold_kind", "_region", "_space", "_space_kind")

    def __init__(self) -> None:
        self._hold = ""  # a possible marker start, not yet decided
        self._hold_kind: type[Delta] = AnswerDelta
        self._region: list[str] = []  # the open markup region's text so far
        self._close = ""  # what closes it ("" when no region is open)
        # Trailing line breaks, passed on once text follows (or the stream ends); dropped before
        # a tool call (the blank line models put before one).
        self._space = ""
        self._space_kind: type[Delta] = AnswerDelta

    def feed(self, delta: Delta) -> list[Delta]:
        """The deltas to pass on for `delta` (a `ToolCallDelta` where a region closed)."""
        kind: type[Delta] = type(delta)
        text = delta.text
        out: list[Delta] = []
        if self._hold:
            held, self._hold = self._hold, ""
            if self._hold_kind is kind:
                text = held + text
            else:  # the section changed: what was held there was text of that section
                self._text(out, self._hold_kind, _STRAY.sub("", held))
        while text:
            if self._close:
                text = self._take_region(text, out)
                continue
            found = _MARKUP_START.search(text)
            if found is None:
                tail = 2 if text.endswith("</") else 1 if text.endswith("<") else 0
                if tail:  # may be the start of a marker: the next piece decides
                    text, self._hold, self._hold_kind = text[:-tail], text[-tail:], kind
                self._text(out, kind, text)
                break
            self._text(out, kind, text[:found.start()])
            text = self._take_marker(text[found.start():], kind, out)
        return out

    def finish(self) -> list[Delta]:
        """What is still held when the stream ends: an unclosed region is parsed as it is."""
        out: list[Delta] = []
        if self._close:
            raw = "".join(self._region)
            self._region, self._close = [], ""
            self._calls(out, parse_markup(raw))
        held, self._hold = self._hold, ""
        if held:
            self._text(out, self._hold_kind, _STRAY.sub("", held))
        if self._space:
            _emit(out, self._space_kind, self._space)
            self._space = ""
        return out

    def _text(self, out: list[Delta], kind: type[Delta], text: str) -> None:
        """Pass `text` on, holding back trailing line breaks until more text follows."""
        if not text:
            return
        if self._space and self._space_kind is not kind:
            _emit(out, self._space_kind, self._space)
            self._space = ""
        text = self._space + text
        kept = text.rstrip()
        if "\n" not in text[len(kept):]:
            kept = text  # spaces between words flow on at once; only a line break may be layout
        self._space, self._space_kind = text[len(kept):], kind
        _emit(out, kind, kept)

    def _calls(self, out: list[Delta], calls: tuple[ToolCall, ...]) -> None:
        self._space = ""  # the blank line before the call was layout, not text
        out.append(ToolCallDelta(tool_block(calls), calls))

    def _take_marker(self, text: str, kind: type[Delta], out: list[Delta]) -> str:
        """`text` starts with "<｜" or "</｜": open a region, drop a stray marker, or pass it as
        text."""
        opened = _OPEN.match(text)
        if opened:
            name = next(group for group in opened.groups() if group)
            self._close = _CLOSE[name]
            self._region = []
            return text
        stray = _STRAY.match(text)
        if stray:
            return text[stray.end():]
        if ">" not in text and len(text) < _LONGEST_TAG:
            self._hold, self._hold_kind = text, kind  # may still become a marker
            return ""
        start = 2 if text.startswith("</") else 1  # ordinary text: move past its "<" or "</"
        self._text(out, kind, text[:start])
        return text[start:]

    def _take_region(self, text: str, out: list[Delta]) -> str:
        """Collect region text up to its close; return what follows it ("" if still open)."""
        self._region.append(text)
        raw = "".join(self._region)
        end = raw.find(self._close)
        if end == -1:
            self._region = [raw]
            return ""
        end += len(self._close)
        self._region, self._close = [], ""
        self._calls(out, parse_markup(raw[:end]))
        return raw[end:]


def _emit(out: list[Delta], kind: type[Delta], text: str) -> None:
    if not text:
        return
    if out and type(out[-1]) is kind:
        out[-1] = kind(out[-1].text + text)
    else:
        out.append(kind(text))
