"""Markdown → safe HTML for QTextBrowser (pure Python, no Qt). The converter itself lives in
`extensions`, loaded on first use.

Model output is untrusted. python-markdown has no safe mode, so the converter is built without
the two raw-HTML paths (the HTML-block preprocessor and the inline HTML pattern): `<script>`,
`<img>` or `<style>` in the source come out escaped, as text. A tree pass then turns every image
into a plain link (nothing is ever loaded) and strips links whose scheme is not http, https or
mailto. Fenced code blocks are taken out before anything else (tabs kept exactly, fences indented
inside list items understood, an unclosed fence runs to the end as in CommonMark), highlighted
with pygments' inline colours and given a `copy:N` link that the view maps back to the code.
LaTeX maths is cut out before python-markdown sees it (`ui.markdown.math_spans`) and shown as an
image named `math:…`, the only resource the view ever loads (from `ui.markdown.formulas`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

SAFE_SCHEMES = ("http", "https", "mailto")
COPY_SCHEME = "copy"
MATH_SCHEME = "math"  # the document's name for a formula image (loaded from the cache only)


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
class FormulaKey:
    """Everything a formula's image depends on: the LaTeX, display or inline, and the look of
    the text around it (colour, font size and x-height in logical pixels, device pixel ratio)."""

    latex: str
    display: bool
    color: str
    font_px: float
    x_height: float
    dpr: float


@dataclass(frozen=True, slots=True)
class MathStyle:
    """How the text around the maths looks; the view reads it from its palette and font."""

    color: str = "#1f2329"  # the text colour
    font_px: float = 15.0
    x_height: float = 7.5  # QFontMetricsF(font).xHeight()
    dpr: float = 1.0  # the screen's device pixels per logical pixel

    def key(self, latex: str, display: bool) -> FormulaKey:
        return FormulaKey(latex, display, self.color, self.font_px, self.x_height, self.dpr)


@dataclass(frozen=True, slots=True)
class FormulaRef:
    """A formula shown as an image: its resource name in the document (`math:…`), what the
    image is made from, and its source as written (delimiters included: what copy gives)."""

    name: str
    key: FormulaKey
    source: str


@dataclass(frozen=True, slots=True)
class RenderedMarkdown:
    """HTML for a QTextDocument and the code of each block, in order (`copy:N` indexes them).

    `formulas` are the images the HTML shows; `pending_maths` counts formulas shown as their
    source for now because their image is still being rendered; `undecided` says that the text's
    end may still turn into maths (a streamed `$x$` waits for the next character).
    """

    html: str
    code_blocks: tuple[str, ...] = ()
    formulas: tuple[FormulaRef, ...] = ()
    pending_maths: int = 0
    undecided: bool = False


def render_markdown(source: str, theme: HtmlTheme = LIGHT, *, first_code_index: int = 0,
                    maths: MathStyle | None = None, final: bool = True) -> RenderedMarkdown:
    """Convert `source`; its code blocks get the links `copy:first_code_index`, ... onward.

    Maths is set in `maths`' style; `final=False`: more text may follow (streaming), so an
    opener without its closer stays text.
    """
    from ui.markdown.extensions import _converter  # python-markdown and pygments load on first use

    converter = _converter(theme)
    converter.reset()
    state = converter.render_state
    state.first_code_index = first_code_index
    state.code_blocks = []
    state.maths = maths or MathStyle()
    state.final = final
    state.formulas = []
    state.pending_maths = 0
    state.undecided = False
    body = converter.convert(source)
    return RenderedMarkdown(html=body, code_blocks=tuple(state.code_blocks),
                            formulas=tuple(state.formulas), pending_maths=state.pending_maths,
                            undecided=state.undecided)


def warm_up() -> None:
    """Load python-markdown and pygments, and build both themes' converters, now.

    Called once the window is up and idle: otherwise the first answer pays ~100 ms of imports
    on the GUI thread while the model decodes (maths loads its renderer on first use, on the
    formula worker).
    """
    for theme in (LIGHT, DARK):
        render_markdown("# a\n\n*b* `c`\n\n```python\nd = 1\n```\n", theme)


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
