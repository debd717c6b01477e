r"""Find the LaTeX maths in Markdown source, before python-markdown sees it (pure Python, no Qt).

python-markdown knows nothing of maths: it eats the backslash of `\[`, `\(`, `\\`, `\{` and reads
`_` and `*` as emphasis, so `\[ A=\pi r^2 \]` comes out as `[ A=\pi r^2 ]`. The spans are
therefore cut out of the source first and replaced by placeholders (htmlStash entries, like the
code blocks; see `ui.markdown.extensions`), and the rendered formula goes back in after
conversion.

Delimiters: `$…$` and `\(…\)` inline; `$$…$$` and `\[…\]` display (also in the middle of a line).

Rules (pandoc's, made a little stricter so that prose with prices stays prose):
  * `$` opens only if the next character is not white space, and the *next* unescaped `$` must
    close it: not preceded by white space, not followed by a digit, not part of `$$`. Otherwise
    the opening `$` is plain text. "costs $5 and $10" has no maths.
  * `\$` is a literal dollar, outside maths as well (it is unescaped to `$`, since python-markdown
    would print the backslash).
  * Code spans and fenced code blocks are never touched; inside inline maths a backtick ends the
    attempt (the code span wins).
  * No span crosses a blank line or a code fence, so a span never crosses the streaming view's
    stable block boundary (which is always after a blank line): the frozen part and the tail
    find the same spans as the whole text.
  * A span must hold something other than white space.

Streaming (`final=False`): the text is the beginning of a longer one. What could still change is
left as text: an opener with no closer yet in the last block makes the rest of that block plain
(`$$` not yet closed, half a `\[ … `, an open code span); an inline `$` that closes at the very
end of the text waits for the next character (`$x$5` is not maths). So as the text grows, a span
only ever goes from text to maths, once, and never back: no flicker. `Scan.pending` says that the
last block holds such an undecided opener (the view renders the tail again when the stream ends).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_FENCE_OPEN = re.compile(r"^[ \t]*(`{3,}|~{3,})([^\n]*)$")


@dataclass(frozen=True, slots=True)
class MathSpan:
    start: int  # offset of the opening delimiter in the text
    end: int  # offset just past the closing delimiter
    latex: str  # between the delimiters, stripped
    display: bool
    source: str  # text[start:end], delimiters included (what copy and the error view show)


@dataclass(frozen=True, slots=True)
class Scan:
    spans: tuple[MathSpan, ...]
    escapes: tuple[int, ...]  # offsets of the backslash of each `\$` outside code and maths
    pending: bool  # (final=False only) the last block has an opener that may still close


def scan(text: str, *, final: bool = True) -> Scan:
    """Find the maths spans of `text`. `final=False`: more text may follow (streaming)."""
    spans: list[MathSpan] = []
    escapes: list[int] = []
    pending = False
    blocks = _blocks(text)
    for index, (start, end) in enumerate(blocks):
        last = index == len(blocks) - 1 and end == len(text)
        pending = _scan_block(text, start, end, spans, escapes, open_end=last and not final)
    return Scan(tuple(spans), tuple(escapes), pending)


def find_math(text: str, *, final: bool = True) -> list[MathSpan]:
    return list(scan(text, final=final).spans)


def protect(text: str, replace: Callable[[MathSpan], str], *, final: bool = True,
            found: Scan | None = None) -> str:
    """`text` with each maths span replaced by `replace(span)` and each `\\$` outside code and
    maths by `$`. In the app `replace` stores the formula's HTML in python-markdown's htmlStash
    and returns the placeholder. `found`: the text's scan, if already made."""
    found = found or scan(text, final=final)
    cuts = [(s.start, s.end, replace(s)) for s in found.spans]
    cuts += [(i, i + 2, "$") for i in found.escapes]
    cuts.sort()
    out, pos = [], 0
    for start, end, new in cuts:
        out.append(text[pos:start])
        out.append(new)
        pos = end
    out.append(text[pos:])
    return "".join(out)


# -- blocks ------------------------------------------------------------------------------------

def _blocks(text: str) -> list[tuple[int, int]]:
    """(start, end) of each run of non-blank lines outside fenced code blocks."""
    blocks: list[tuple[int, int]] = []
    pos = 0
    block_start: int | None = None
    fence: tuple[str, int] | None = None  # (char, length) of the open fence
    while pos <= len(text):
        nl = text.find("\n", pos)
        line_end = len(text) if nl < 0 else nl
        line = text[pos:line_end]
        if fence is not None:
            stripped = line.strip()
            if len(stripped) >= fence[1] and stripped == fence[0] * len(stripped):
                fence = None
        else:
            match = _FENCE_OPEN.match(line)
            if match is not None and match.group(1)[0] == "`" and "`" in match.group(2):
                match = None  # ```code``` on one line is a code span, not a fence
            if match is not None or not line.strip():
                if block_start is not None:
                    blocks.append((block_start, pos))
                    block_start = None
                if match is not None:
                    fence = (match.group(1)[0], len(match.group(1)))
            elif block_start is None:
                block_start = pos
        if nl < 0:
            break
        pos = nl + 1
    if block_start is not None:
        blocks.append((block_start, len(text)))
    return blocks


# -- one block ---------------------------------------------------------------------------------

def _scan_block(text: str, start: int, end: int, spans: list[MathSpan], escapes: list[int],
                *, open_end: bool) -> bool:
    """Scan text[start:end]; returns True when it stopped at an undecided opener."""
    i = start
    while i < end:
        c = text[i]
        if c == "\\":
            nxt = text[i + 1] if i + 1 < end else ""
            if nxt in ("(", "["):
                close = "\\)" if nxt == "(" else "\\]"
                j = _find_escaped(text, i + 2, end, close)
                if j >= 0 and text[i + 2:j].strip():
                    spans.append(_span(text, i, j + 2, 2, nxt == "["))
                    i = j + 2
                    continue
                if j < 0 and open_end:
                    return True
                i += 2
            elif nxt == "$":
                escapes.append(i)
                i += 2
            elif nxt == "" and open_end:
                return True  # a lone backslash at the end may become `\(` or `\[`
            else:
                i += 2  # an escaped character (`\\`, `\*`, ...): neither is a delimiter
        elif c == "`":
            run = _run(text, i, end, "`")
            j = _find_backtick_run(text, i + run, end, run)
            if j >= 0:
                i = j + run
            elif open_end:
                return True  # an open code span: it may close and take the rest
            else:
                i += run
        elif c == "$":
            run = _run(text, i, end, "$")
            if run == 2:
                j = _find_dollars(text, i + 2, end)
                if j >= 0 and text[i + 2:j].strip():
                    spans.append(_span(text, i, j + 2, 2, True))
                    i = j + 2
                    continue
                if j < 0 and open_end:
                    return True
                i += 2
            elif run > 2:
                if open_end and i + run == end:
                    return True  # `$$` + the first `$` of a closing `$$`? wait and see
                i += run  # "$$$": not a delimiter
            else:
                result = _inline_dollar(text, i, end, open_end)
                if result == _PENDING:
                    return True
                if result is None:
                    i += 1
                else:
                    spans.append(_span(text, i, result + 1, 1, False))
                    i = result + 1
        else:
            i += 1
    return False


def _span(text: str, start: int, end: int, width: int, display: bool) -> MathSpan:
    return MathSpan(start=start, end=end, latex=text[start + width:end - width].strip(),
                    display=display, source=text[start:end])


def _run(text: str, i: int, end: int, char: str) -> int:
    j = i
    while j < end and text[j] == char:
        j += 1
    return j - i


def _find_escaped(text: str, i: int, end: int, close: str) -> int:
    """Offset of `close` (`\\)` or `\\]`) at or after i, skipping other `\\x` pairs; -1 if none."""
    while i < end - 1:
        if text[i] == "\\":
            if text[i + 1] == close[1]:
                return i
            i += 2
        else:
            i += 1
    return -1


def _find_backtick_run(text: str, i: int, end: int, run: int) -> int:
    while i < end:
        j = text.find("`" * run, i, end)
        if j < 0:
            return -1
        length = _run(text, j, end, "`")
        if length == run:
            return j
        i = j + length
    return -1


def _find_dollars(text: str, i: int, end: int) -> int:
    """Offset of the `$$` closing display maths that starts before i; -1 if none."""
    while i < end:
        c = text[i]
        if c == "\\":
            i += 2
        elif c == "$" and i + 1 < end and text[i + 1] == "$":
            return i
        else:
            i += 1
    return -1


_PENDING = -1  # what `_inline_dollar` answers when it cannot tell yet


def _inline_dollar(text: str, i: int, end: int, open_end: bool) -> int | None:
    """The offset of the `$` closing the inline maths opened at i, None if it is no opener,
    `_PENDING` if that cannot be told yet."""
    if i + 1 >= end:
        return _PENDING if open_end else None
    if text[i + 1].isspace():
        return None
    j = i + 1
    while j < end:
        c = text[j]
        if c == "\\":
            if j + 1 >= end and open_end:
                return _PENDING
            j += 2
        elif c == "`":
            return None  # a code span starts inside: it wins
        elif c == "$":
            if text[j - 1].isspace():
                return None
            if j + 1 < end and text[j + 1] == "$":
                return None  # "$a$$": not a closer
            if j + 1 >= end:
                return _PENDING if open_end else j  # "$x$" + "5" would not be maths
            if text[j + 1].isdigit():
                return None
            return j if text[i + 1:j].strip() else None
        else:
            j += 1
    return _PENDING if open_end else None
