"""Line-level Markdown structure shared by the renderer and the streaming view (no Qt).

Two questions are answered here, with one set of rules so they can never disagree: where a fenced
code block opens and closes (the renderer highlights it; the splitter never cuts inside it), and
where a growing Markdown text has a *stable block boundary*: a cut such that rendering the text
before it and the text after it separately reads exactly like rendering the whole at once, however
the text continues. The streaming view converts the part before the last such cut once, freezes
it, and re-renders only the open tail on each update.

A cut is made only before the first line of a block that follows a blank line, sits at column 0
(an indented line may continue a list item or an indented code block) and cannot be merged by
python-markdown into the block before it (a list item after a list, a quote after a quote). The
line after the cut must be complete, so that a list marker or a fence is recognised before cutting,
unless it starts with a letter, which no marker does.
Reference-style link definitions (``[x]: http://...``) resolve only within their own block group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)$")
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+\S")
_QUOTE = re.compile(r"^ {0,3}>")


@dataclass(frozen=True, slots=True)
class Fence:
    """An open code fence: its character, its length and the indentation of the opening line."""

    char: str
    length: int
    indent: int
    info: str

    def is_closed_by(self, line: str) -> bool:
        stripped = line.strip()
        return (len(stripped) >= self.length and stripped == self.char * len(stripped))


def open_fence(line: str) -> Fence | None:
    """The fence `line` opens, if any (a backtick fence's info string may not hold backticks)."""
    match = _FENCE_OPEN.match(line)
    if match is None:
        return None
    fence, info = match.group("fence"), match.group("info")
    if fence[0] == "`" and "`" in info:
        return None  # ```code``` on one line is an inline code span, not a fence
    indent = len(match.group("indent").expandtabs(4))
    return Fence(char=fence[0], length=len(fence), indent=indent, info=info.strip())


def is_list_item(line: str) -> bool:
    return _LIST_ITEM.match(line) is not None


def is_blank(line: str) -> bool:
    return not line.strip()


def stable_boundary(text: str, start: int = 0) -> int:
    """The offset of the last stable block boundary in `text` at or after `start`.

    `start` must itself be a boundary (0 or an earlier result); `text[start:result]` can then be
    rendered once and never changes as `text` grows. Returns `start` when there is no later cut.
    Costs one pass over `text[start:]`.
    """
    best = start
    pos = start
    fence: Fence | None = None
    run_has_list = run_has_quote = False  # what the blocks since the last cut could merge with
    seen_content = after_blank = False
    while True:
        end = text.find("\n", pos)
        if end < 0:
            # The last line is incomplete: it decides only if it starts with a letter, which
            # can open neither a list item, a quote, a fence nor an indented continuation. (Prose
            # comes in lines of hundreds of characters; waiting for their ends would keep the
            # previous paragraph in the tail that is rendered again on every update.)
            if (fence is None and after_blank and text[pos:pos + 1].isalpha()
                    and _can_cut_before(text[pos:], run_has_list, run_has_quote)):
                best = pos
            break
        line = text[pos:end]
        if fence is not None:
            if fence.is_closed_by(line):
                fence = None
        elif is_blank(line):
            after_blank = seen_content
        else:
            if after_blank and _can_cut_before(line, run_has_list, run_has_quote):
                best = pos
                run_has_list = run_has_quote = False
            after_blank = False
            seen_content = True
            if _LIST_ITEM.match(line):
                run_has_list = True
            elif _QUOTE.match(line):
                run_has_quote = True
            fence = open_fence(line)
        pos = end + 1
    return best


def _can_cut_before(line: str, run_has_list: bool, run_has_quote: bool) -> bool:
    if line[0] in " \t":
        return False  # a list item's continuation or indented code: belongs to the block above
    if run_has_list and _LIST_ITEM.match(line):
        return False  # python-markdown appends this item to the list above
    if run_has_quote and _QUOTE.match(line):  # noqa: SIM103 - one rule per case
        return False  # ... and this quote to the quote above
    return True
