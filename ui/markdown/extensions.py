"""python-markdown with the chat's extensions: safe output (no raw HTML, no remote images, only
web and mail links), highlighted code blocks with copy links, GitHub-style tables and line breaks.

Kept apart from `render` so that python-markdown and pygments load when the first message
is rendered, not when the app starts.
"""

from __future__ import annotations

import hashlib
import html
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from functools import lru_cache

import markdown
from markdown import util
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from PySide6.QtCore import QCoreApplication

from ui.markdown.blocks import Fence, is_blank, open_fence
from ui.markdown.code_highlight import highlight, language_of
from ui.markdown.math_spans import MathSpan, protect, scan
from ui.markdown.render import (
    COPY_SCHEME,
    MATH_SCHEME,
    FormulaRef,
    HtmlTheme,
    MathStyle,
    is_safe_url,
)

_TABLE_ROW = re.compile(r"^\s*\|")
_LIST_MARKER = re.compile(r"^ *([-*+]|\d{1,9}[.)])([ \t]+)\S")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_BARE_URL = r"(?<![\w/@.])(https?://[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]*_~])"

@dataclass(slots=True)
class _RenderState:
    """The converter's inputs and outputs for one `render_markdown` call."""

    theme: HtmlTheme
    first_code_index: int = 0
    code_blocks: list[str] = field(default_factory=list)
    maths: MathStyle = field(default_factory=MathStyle)  # per call: each view has its colours
    final: bool = True
    formulas: list[FormulaRef] = field(default_factory=list)
    pending_maths: int = 0
    undecided: bool = False


class _Converter(markdown.Markdown):
    render_state: _RenderState


@lru_cache(maxsize=4)
def _converter(theme: HtmlTheme) -> _Converter:
    """One converter per theme, reused (building one costs more than a short conversion)."""
    return _Converter(extensions=["tables", "nl2br", "sane_lists", _SafeChat(theme)],
                      output_format="html", lazy_ol=False)


class _SafeChat(Extension):
    def __init__(self, theme: HtmlTheme) -> None:
        super().__init__()
        self.theme = theme

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        assert isinstance(md, _Converter)
        md.render_state = _RenderState(theme=self.theme)
        md.preprocessors.deregister("html_block")
        md.preprocessors.deregister("normalize_whitespace")
        md.preprocessors.register(_Normalize(md), "normalize_whitespace", 30)
        md.preprocessors.register(_Maths(md), "maths", 29)  # after the code is stashed
        md.inlinePatterns.deregister("html")
        md.inlinePatterns.register(_BareUrl(_BARE_URL, md), "bare_url", 105)
        md.treeprocessors.register(_Sanitize(md), "sanitize", 15)


class _Normalize(Preprocessor):
    """python-markdown's whitespace normalisation, plus fences taken out and chat-style fixes.

    Runs first, before tabs are expanded, so a code block keeps its tabs. Outside code it adds
    the blank line python-markdown needs before a list or a table that follows a paragraph line,
    and re-indents nested list items to the 4-space steps python-markdown requires (models indent
    them by 2 or 3 spaces, as CommonMark allows).
    """

    md: _Converter

    def run(self, lines: list[str]) -> list[str]:
        source = "\n".join(lines).replace(util.STX, "").replace(util.ETX, "")
        source = source.replace("\r\n", "\n").replace("\r", "\n")
        raw = source.split("\n")
        out: list[str] = []
        items: list[int] = []  # content columns of the open list items, outermost first
        after_blank = False
        i = 0
        while i < len(raw):
            line = raw[i]
            fence = open_fence(line)
            if fence is not None:
                if fence.indent == 0 and after_blank:
                    items.clear()
                indent = _list_indent(items, fence.indent) if items and fence.indent else 0
                i = self._take_code(raw, i, fence, out, indent)
                after_blank = True
                continue
            line = line.expandtabs(self.md.tab_length)
            i += 1
            if is_blank(line):
                out.append("")
                after_blank = True
                continue
            indent = len(line) - len(line.lstrip(" "))
            item = _LIST_MARKER.match(line)
            if item is not None:
                if not items and out and not is_blank(out[-1]):
                    out.append("")  # a list right under a paragraph line
                while items and indent < items[-1]:
                    items.pop()
                out.append(" " * (4 * len(items)) + line[indent:])
                items.append(indent + len(item.group(1)) + min(len(item.group(2)), 4))
            elif items and indent:
                out.append(" " * _list_indent(items, indent) + line[indent:])
            else:
                if after_blank:
                    items.clear()
                if (not items and _TABLE_ROW.match(line) and out and not is_blank(out[-1])
                        and not _TABLE_ROW.match(out[-1])
                        and i < len(raw) and _TABLE_RULE.match(raw[i])):
                    out.append("")  # a table right under a paragraph line
                out.append(line)
            after_blank = False
        out.extend(["", ""])
        return out

    def _take_code(self, raw: list[str], start: int, fence: Fence, out: list[str],
                   indent: int) -> int:
        end = start + 1
        while end < len(raw) and not fence.is_closed_by(raw[end]):
            end += 1
        code = "\n".join(_dedent(line, fence.indent) for line in raw[start + 1:end])
        state = self.md.render_state
        index = state.first_code_index + len(state.code_blocks)
        state.code_blocks.append(code)
        placeholder = self.md.htmlStash.store(
            _code_block_html(code, language_of(fence.info), index, state.theme))
        if out and not is_blank(out[-1]):
            out.append("")
        out.extend([" " * indent + placeholder, ""])
        return end + 1


def _list_indent(items: list[int], indent: int) -> int:
    """Where an indented line inside a list goes: under the deepest item it is indented into."""
    depth = max(1, sum(1 for column in items if column <= indent))
    return 4 * depth + max(0, indent - items[depth - 1])


def _dedent(line: str, indent: int) -> str:
    """Remove up to `indent` columns of leading spaces (a fence indented inside a list item)."""
    taken = 0
    while taken < indent and taken < len(line) and line[taken] == " ":
        taken += 1
    return line[taken:]


def _code_block_html(code: str, language: str, index: int, theme: HtmlTheme) -> str:
    label = html.escape(language or QCoreApplication.translate("MarkdownConvert", "code"))
    copy = html.escape(QCoreApplication.translate("MarkdownConvert", "Copy"))
    body = highlight(code, language, dark=theme.dark)
    small = f"color: {theme.muted}; font-size: small;"
    return (
        f'<table width="100%" cellspacing="0" cellpadding="0" bgcolor="{theme.code_background}"'
        f' style="margin-top: 4px; margin-bottom: 12px; border-style: none;">'
        f'<tr><td bgcolor="{theme.code_header_background}" style="padding: 5px 12px;">'
        f'<span style="{small}">{label}</span></td>'
        f'<td align="right" bgcolor="{theme.code_header_background}" style="padding: 5px 12px;">'
        f'<a href="{COPY_SCHEME}:{index}" style="{small} text-decoration: none;">{copy}</a>'
        f'</td></tr>'
        f'<tr><td colspan="2" style="padding: 10px 12px 12px 12px;">'
        f'<pre style="margin: 0px; white-space: pre-wrap;">{body}</pre></td></tr></table>'
    )


class _Maths(Preprocessor):
    """LaTeX maths out of the source before python-markdown eats its backslashes: each span
    becomes an htmlStash placeholder for its image (or its source in code style when it cannot
    be set, or as plain text while its image is still being rendered).

    The HTML comes from the stash, so `_Sanitize` never sees it: the only `src` is our own
    `math:` name and the alt text is escaped.
    """

    md: _Converter

    def run(self, lines: list[str]) -> list[str]:
        state = self.md.render_state
        text = "\n".join(lines)
        # _Normalize ends the source with two blank lines. A streamed text is not finished:
        # they must not count as its end, or `$x$` would show as maths, then turn back into
        # text when "5" arrives.
        added = ""
        if not state.final and text.endswith("\n\n"):
            text, added = text[:-2], "\n\n"
        if "$" not in text and "\\" not in text:
            return lines
        found = scan(text, final=state.final)
        state.undecided = found.pending

        def stash(span: MathSpan) -> str:
            html_text = self._formula_html(span, state)
            placeholder = self.md.htmlStash.store(html_text)
            # Display maths alone on its lines is a block of its own: python-markdown then swaps
            # the whole <p>placeholder</p> for it instead of nesting a <p> in a paragraph.
            if span.display and _alone(text, span):
                return f"\n\n{placeholder}\n\n"
            return placeholder

        return (protect(text, stash, final=state.final, found=found) + added).split("\n")

    @staticmethod
    def _formula_html(span: MathSpan, state: _RenderState) -> str:
        from ui.markdown.formulas import MISSING, formulas  # ziamath loads on the first formula

        source = html.escape(span.source)
        lines = source.replace("\n", "<br />")
        key = state.maths.key(span.latex, span.display)
        formula = formulas().look_up(key)
        if formula is MISSING:
            # Not rendered yet: the source, exactly as it streamed in; the image replaces it
            # once ready (the view renders again then).
            state.pending_maths += 1
            return lines
        if formula is None:
            code = f"<code>{lines}</code>"
            return f'<p align="center">{code}</p>' if span.display else code
        digest = hashlib.sha1(repr((key, span.source)).encode()).hexdigest()[:20]
        name = f"{MATH_SCHEME}:{digest}"
        state.formulas.append(FormulaRef(name, key, span.source))
        image = (f'<img src="{name}" width="{formula.width:g}" height="{formula.height:g}"'
                 f' alt="{source}"'
                 + ("" if span.display else ' style="vertical-align: middle"') + " />")
        if span.display:
            return f'<p align="center" style="margin-top: 6px; margin-bottom: 12px;">{image}</p>'
        return image


def _alone(text: str, span: MathSpan) -> bool:
    """The span is all there is on its lines (the usual `$$` block, not inside a list item)."""
    line_start = text.rfind("\n", 0, span.start) + 1
    line_end = text.find("\n", span.end)
    line_end = len(text) if line_end < 0 else line_end
    return span.start == line_start and not text[span.end:line_end].strip()


class _BareUrl(InlineProcessor):
    """http(s) URLs written without <> become links, as in every chat app."""

    ANCESTOR_EXCLUDES = ("a",)

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[etree.Element, int, int]:
        element = etree.Element("a", {"href": m.group(1)})
        element.text = util.AtomicString(m.group(1))
        return element, m.start(0), m.end(0)


class _Sanitize(Treeprocessor):
    """Images become links (never loaded); links keep only safe schemes; tables get borders."""

    md: _Converter

    def run(self, root: etree.Element) -> None:
        theme = self.md.render_state.theme
        for element in root.iter():
            if element.tag == "img":
                _image_to_link(element)
            elif element.tag == "a":
                if not is_safe_url(_attribute_text(element.get("href", ""))):
                    element.tag = "span"
                    element.attrib.clear()
            elif element.tag == "table":
                element.attrib.update({"cellspacing": "0", "cellpadding": "6",
                                       "style": f"border-style: solid; border-color:"
                                                f" {theme.border}; border-collapse: collapse;"
                                                " margin-top: 4px; margin-bottom: 12px;",
                                       "border": "1"})


def _image_to_link(element: etree.Element) -> None:
    src = _attribute_text(element.get("src", ""))
    alt = (element.get("alt", "") or element.get("title", "") or src
           or QCoreApplication.translate("MarkdownConvert", "image"))
    element.attrib.clear()
    if is_safe_url(src):
        element.tag = "a"
        element.set("href", src)
    else:
        element.tag = "span"
    element.text = util.AtomicString(
        QCoreApplication.translate("MarkdownConvert", "[image: {alt}]").format(alt=alt))


def _attribute_text(value: str) -> str:
    """An attribute as the HTML reader will see it (automail hides its address in entities)."""
    return html.unescape(value.replace(util.AMP_SUBSTITUTE, "&"))


