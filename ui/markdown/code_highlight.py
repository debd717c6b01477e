"""Syntax highlighting for code blocks: pygments tokens → HTML spans with inline colours (no Qt).

QTextDocument understands `<span style="color: ...; font-weight: bold">` but not pygments' CSS
classes, so each token run gets its colour inline. Unknown or missing languages stay plain text:
guessing a lexer is slow and often wrong on short snippets.
"""

from __future__ import annotations

import html
from functools import lru_cache

from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.style import StyleMeta
from pygments.styles import get_style_by_name
from pygments.token import _TokenType
from pygments.util import ClassNotFound

LIGHT_STYLE = "default"
DARK_STYLE = "github-dark"

# What people write after ``` that pygments does not know by that name.
_ALIASES = {"py3": "python", "sh": "bash", "shell": "bash", "zsh": "bash", "console": "bash",
            "js": "javascript", "ts": "typescript", "c++": "cpp", "jsonc": "json",
            "yml": "yaml", "golang": "go", "rs": "rust", "kt": "kotlin", "cs": "csharp"}


def language_of(info: str) -> str:
    """The language named by a fence's info string ("python", "py {linenos}" → "py")."""
    word = info.split(maxsplit=1)[0] if info.split() else ""
    return word.strip("{}.").lower()


@lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer | None:
    if not language:
        return None
    try:
        return get_lexer_by_name(_ALIASES.get(language, language), stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


@lru_cache(maxsize=4)
def _style(name: str) -> StyleMeta:
    return get_style_by_name(name)


@lru_cache(maxsize=2048)
def _css(style_name: str, token: _TokenType) -> str:
    spec = _style(style_name).style_for_token(token)
    parts = []
    if spec["color"]:
        parts.append(f"color:#{spec['color']}")
    if spec["bold"]:
        parts.append("font-weight:bold")
    if spec["italic"]:
        parts.append("font-style:italic")
    return ";".join(parts)


def highlight(code: str, language: str, *, dark: bool) -> str:
    """`code` as escaped HTML with coloured spans (no surrounding element)."""
    lexer = _lexer(language)
    if lexer is None:
        return html.escape(code, quote=False)
    style_name = DARK_STYLE if dark else LIGHT_STYLE
    out: list[str] = []
    run_css, run_text = "", list[str]()

    def flush() -> None:
        text = html.escape("".join(run_text), quote=False)
        out.append(f'<span style="{run_css}">{text}</span>' if run_css and text.strip() else text)

    for token, value in lexer.get_tokens(code):
        css = _css(style_name, token)
        if css != run_css and run_text:
            flush()
            run_text = []
        run_css = css
        run_text.append(value)
    if run_text:
        flush()
    return "".join(out)
