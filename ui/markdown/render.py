"""Markdown → safe HTML for QTextBrowser (pure Python, no Qt). The converter itself lives in
`extensions`, loaded on first use.

Model output is untrusted. python-markdown has no safe mode, so the converter is built without
the two raw-HTML paths (the HTML-block preprocessor and the inline HTML pattern): `<script>`,
`<img>` or `<style>` in the source come out escaped, as text. A tree pass then turns every image
into a plain link (nothing is ever loaded) and strips links whose scheme is not http, https or
mailto. Fenced code blocks are taken out before anything else (tabs kept exactly, fences indented
inside list items understood, an unclosed fence runs to the end as in CommonMark), highlighted
with pygments' inline colours and given a `copy:N` link that the view maps back to the code.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

SAFE_SCHEMES = ("http", "https", "mailto")
COPY_SCHEME = "copy"


@dataclass(frozen=True, slots=True)
class HtmlTheme:
    """The colours baked into the HTML (hex strings); the view derives them from the palette."""

    dark: bool = False
    muted: str = "#6b7280"
    link: str = "#4d6bfe"
    border: str = "#e3e5ec"
    code_background: str = "#f6f7f9"
    code_header_background: str = "#eceef2"
    inline_code_background: str = "#eef0f4"
    table_header_background: str = "#f3f4f8"


LIGHT = HtmlTheme()
DARK = HtmlTheme(dark=True, muted="#9aa0aa", link="#8da2ff", border="#3a3c44",
                 code_background="#16171b", code_header_background="#25262c", inline_code_background="#2e3038",
                 table_header_background="#2a2b31")


@dataclass(frozen=True, slots=True)
class RenderedMarkdown:
    """HTML for a QTextDocument and the code of each block, in order (`copy:N` indexes them)."""

    html: str
    code_blocks: tuple[str, ...] = ()


def render_markdown(source: str, theme: HtmlTheme = LIGHT, *,
                    first_code_index: int = 0) -> RenderedMarkdown:
    """Convert `source`; its code blocks get the links `copy:first_code_index`, ... onward."""
    from ui.markdown.extensions import _converter  # python-markdown and pygments load on first use

    converter = _converter(theme)
    converter.reset()
    state = converter.render_state
    state.first_code_index = first_code_index
    state.code_blocks = []
    body = converter.convert(source)
    return RenderedMarkdown(html=body, code_blocks=tuple(state.code_blocks))


def plain_text_html(text: str) -> str:
    """Plain text (a user's message) as HTML: escaped, every line break kept."""
    lines = html.escape(text, quote=False).split("\n")
    return ('<p style="white-space: pre-wrap; margin: 0px; line-height: 125%;">'
            + "<br/>".join(lines) + "</p>")


def stylesheet(theme: HtmlTheme) -> str:
    """The QTextDocument default stylesheet that goes with HTML rendered for `theme`."""
    return (
        f"a {{ color: {theme.link}; text-decoration: none; }}"
        f"code {{ background-color: {theme.inline_code_background}; }}"
        "h1 { font-size: x-large; } h2 { font-size: large; } h3 { font-size: medium; }"
        "h4, h5, h6 { font-size: medium; }"
        "h1, h2, h3, h4, h5, h6 { margin-top: 14px; margin-bottom: 6px; }"
        "p { margin-top: 0px; margin-bottom: 10px; line-height: 135%; }"
        "li { line-height: 135%; }"
        "ul, ol { margin-top: 0px; margin-bottom: 10px; }"
        "li { margin-bottom: 3px; }"
        f"th {{ background-color: {theme.table_header_background}; font-weight: bold; }}"
        f"blockquote {{ color: {theme.muted}; margin-left: 12px; }}"
    )


def is_safe_url(url: str) -> bool:
    """Whether clicking `url` may open it in the system browser or mail client."""
    scheme, colon, rest = url.strip().partition(":")
    return bool(colon) and scheme.lower() in SAFE_SCHEMES and bool(rest.strip("/"))
