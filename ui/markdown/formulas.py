r"""LaTeX formulas as images for the chat's QTextDocuments: ziamath lays the formula out (pure
Python, with the STIX Two Math font it ships) and writes SVG 1.1; QtSvg paints it into a QImage at
the screen's device pixel ratio, tinted with the text colour and padded so that, placed with
`vertical-align: middle`, the formula's baseline sits on the text's (see `Formula`).

ziamath is set up on first use: `config.svg2 = False` (QtSvg cannot draw SVG 2's `<symbol>` +
`<use href>`: every glyph would be missing), the fixes in `ui.markdown.ziamath_patches` (Chinese
in `\text{}` from a system font, a layout shortcut, operator spacing), and a few rewrites of what
models write (`\det A` gets a thin space, `\implies` and `\iff` TeX's `\;` around them,
`\dfrac` is `\frac`).

A formula that cannot be set gives None: the view shows its source in code style. Results (and
failures) are kept in an LRU cache bounded by bytes, safe to share between threads, so a view
only looks formulas up. Where rendering happens is the `Formulas` source's business: this one
renders on the spot (tests, benchmarks); the app installs one that renders on a worker thread
(`app.gui.chat.formula_worker`) and says `ready` when images arrive.
"""

from __future__ import annotations

import math
import re
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QByteArray, QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter

from ui.markdown.render import FormulaKey

__all__ = ["MISSING", "Formula", "FormulaKey", "Formulas", "Looked", "cached", "formulas",
           "give_up", "render", "use_formulas", "warm_up"]

STIX_X_HEIGHT = 0.473  # STIX Two Math's x-height, in em
MAX_CHARS = 2000  # longer "formulas" show as source: layout time grows with size
MAX_FENCE_DEPTH = 5  # ziamath's layout time doubles per nested \left or matrix: 10 deep = 8 s
CACHE_BYTES = 32 * 1024 * 1024  # ~28 KB per inline formula, ~106 KB per display one at dpr 2
_render_lock = threading.Lock()  # ziamath keeps global state (config, font caches)


@dataclass(frozen=True, slots=True)
class Formula:
    """A rendered formula: the image (its devicePixelRatio set) and its size in logical pixels.

    An inline formula's image is padded above or below so that its vertical middle is half the
    x-height above the formula's baseline: QTextDocument's `vertical-align: middle` puts an
    inline image's middle exactly there, which lands the formula's baseline on the text's.
    """

    image: QImage
    width: float
    height: float
    depth: float  # below the baseline, padding included


class Missing(Enum):
    """Not rendered yet (a worker is on it)."""

    MISSING = "missing"


MISSING = Missing.MISSING
Looked = Formula | None | Missing  # an image, a formula that cannot be set, or not yet known


# -- the cache ------------------------------------------------------------------------------------


class _Cache:
    """Least recently used first out, bounded by the images' bytes; failures cost nothing."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: OrderedDict[FormulaKey, Formula | None] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: FormulaKey) -> Looked:
        with self._lock:
            if key not in self._items:
                return MISSING
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: FormulaKey, formula: Formula | None) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            self._bytes -= _size(old)
            self._items[key] = formula
            self._bytes += _size(formula)
            while self._bytes > self.limit and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= _size(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def stats(self) -> tuple[int, int]:
        """(formulas, bytes) held."""
        with self._lock:
            return len(self._items), self._bytes


def _size(formula: Formula | None) -> int:
    return 0 if formula is None else formula.image.sizeInBytes()


_cache = _Cache(CACHE_BYTES)


def cached(key: FormulaKey) -> Looked:
    """The cached image, None for a formula known to fail, or MISSING."""
    return _cache.get(key)


def render(key: FormulaKey) -> Formula | None:
    """The formula's image (from the cache, else rendered now), or None if it cannot be set."""
    found = _cache.get(key)
    if found is not MISSING:
        return found
    formula = _render(key)
    _cache.put(key, formula)
    return formula


def give_up(key: FormulaKey) -> None:
    """Rendering `key` failed unexpectedly (a bug, reported elsewhere): show its source."""
    _cache.put(key, None)


def clear_cache() -> None:
    _cache.clear()


def cache_stats() -> tuple[int, int]:
    return _cache.stats()


def warm_up() -> None:
    """Import ziamath and load its font and the CJK fallback (about half a second, once)."""
    for latex in ("x", r"\text{中}"):
        render(FormulaKey(latex, False, "#000000", 12.0, 6.0, 1.0))


# -- where formulas come from ---------------------------------------------------------------------


class Formulas(QObject):
    """The views' source of formula images. This one renders each on the spot, on the caller's
    thread; the app installs a subclass that renders on a worker thread (`use_formulas`).

    Signals:
        ready(): formulas asked for earlier are now in the cache (look them up again).
    """

    ready = Signal()

    def look_up(self, key: FormulaKey) -> Looked:
        """The image, None if the formula cannot be set, or MISSING (asked for; `ready`
        follows)."""
        return render(key)

    def pending(self) -> int:
        """Formulas asked for and not rendered yet."""
        return 0


_source: Formulas | None = None


def formulas() -> Formulas:
    """The installed source (by default one that renders on the spot)."""
    global _source
    if _source is None:
        _source = Formulas()
    return _source


def use_formulas(source: Formulas | None) -> None:
    """Install the views' source of formulas; None: back to rendering on the spot."""
    global _source
    _source = source


# -- rendering -------------------------------------------------------------------------------------


def _render(key: FormulaKey) -> Formula | None:
    """Set `key.latex` for text of `key.font_px` logical pixels.

    The maths is set a little larger than the text so that its x-height matches the text's (STIX
    has a small x-height; KaTeX scales by 1.21 for the same reason), at most 1.25 times; text from
    a fallback font (Chinese in \\text{}) is scaled back to the text's size."""
    latex = key.latex.strip()
    if not latex or len(latex) > MAX_CHARS or _fence_depth(latex) > MAX_FENCE_DEPTH:
        return None
    math_px = min(max(key.x_height / STIX_X_HEIGHT, key.font_px), 1.25 * key.font_px)
    from ui.markdown import ziamath_patches  # with ziamath, on the first formula

    with _render_lock:
        ziamath_patches.foreign_scale = key.font_px / math_px
        try:
            svg, width, height, depth = _svg(latex, key.display, math_px)
        except _parse_errors():
            return None  # LaTeX it cannot set (models write anything): shown as source
    return _paint(svg, width, height, depth, key.color, key.dpr,
                  None if key.display else key.x_height)


@lru_cache(maxsize=1)
def _parse_errors() -> tuple[type[BaseException], ...]:
    """What latex2mathml and ziamath raise for LaTeX they cannot set, as measured on 1,500 random
    formulas: latex2mathml's own errors, and a few builtins its parser and ziamath's layout let
    escape (ziamath checks its input with `assert`)."""
    import inspect
    import xml.etree.ElementTree as ET

    from latex2mathml import exceptions

    own = tuple(c for _, c in inspect.getmembers(exceptions, inspect.isclass)
                if issubclass(c, Exception))
    return (*own, ValueError, LookupError, TypeError, AttributeError, ArithmeticError,
            AssertionError, StopIteration, RecursionError, ET.ParseError)


_zm: Any = None


def _ziamath() -> Any:
    global _zm
    if _zm is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import ziamath
        from ui.markdown import ziamath_patches

        ziamath.config.svg2 = False
        ziamath_patches.apply()
        _zm = ziamath
    return _zm


def _svg(latex: str, display: bool, font_px: float) -> tuple[str, float, float, float]:
    zm = _ziamath()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = zm.Math.fromlatex(_prepare(latex), size=font_px, inline=not display, margin=0)
        svg = m.svg()
    width, height = m.getsize()
    if not (width > 0 and height > 0) or _has_error_node(m):
        raise ValueError("empty formula")
    return str(svg), float(width), float(height), -float(m.getyofst())


_FENCE = re.compile(r"\\(left|right)(?![a-zA-Z])|\\(begin|end)\{[pbBvV]?matrix\*?\}"
                    r"|\\(begin|end)\{cases\}")


def _fence_depth(latex: str) -> int:
    """How deeply stretchy fences (\\left, matrices, cases) nest."""
    depth = deepest = 0
    for m in _FENCE.finditer(latex):
        if m.group(1) == "left" or "begin" in (m.group(2), m.group(3)):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest


_MATH_ENV = re.compile(r"\\(begin|end)\{(?:equation|align|gather)\*?\}")
_IMPLIES = re.compile(r"\\(implies|impliedby|iff)(?![a-zA-Z])")
_IMPLIES_AS = {"implies": r"\;\Longrightarrow\;", "impliedby": r"\;\Longleftarrow\;",
               "iff": r"\;\Longleftrightarrow\;"}
# \det, \max ... come as <mo>det</mo> with no space after ("detA"); TeX puts a thin space between
# an operator name and a following letter (not a parenthesis).
_OPERATOR_NAME = re.compile(r"\\(det|gcd|max|min|sup|inf|Pr|deg|dim|ker|hom|arg|lcm)\s+"
                            r"(?=[A-Za-z0-9]|\\(?!left|right|big|Big)[A-Za-z])")


def _prepare(latex: str) -> str:
    """Small rewrites for what models write and latex2mathml does not take."""
    latex = _MATH_ENV.sub("", latex)  # \begin{equation} inside $$...$$
    latex = _OPERATOR_NAME.sub(r"\\\1\\, ", latex)
    latex = _IMPLIES.sub(lambda m: _IMPLIES_AS[m.group(1)], latex)
    return latex.replace(r"\dfrac", r"\frac").replace(r"\tfrac", r"\frac")


def _has_error_node(m: Any) -> bool:
    """latex2mathml writes an unknown command (`\\foo`) as the identifier `\\foo`: an error, so
    the source shows in code style rather than a half-set formula."""
    for el in m.mathml.iter():
        if el.tag == "merror" or (el.tag in ("mi", "mo") and (el.text or "").startswith("\\")):
            return True
    return False


def _paint(svg: str, width: float, height: float, depth: float, color: str, dpr: float,
           x_height: float | None) -> Formula | None:
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg.encode()))
    if not renderer.isValid():
        return None
    ascent = height - depth
    top = bottom = 0.0
    if x_height is not None:  # inline: pad so that (ascent + top) - (depth + bottom) == x_height
        top = max(0.0, depth + x_height - ascent)
        bottom = max(0.0, ascent - depth - x_height)
    pad = 1.0 / dpr  # one device pixel of air, so antialiased edges are not clipped
    top, bottom = top + pad, bottom + pad
    full_w, full_h = width + 2 * pad, height + top + bottom
    image = QImage(max(1, math.ceil(full_w * dpr)), max(1, math.ceil(full_h * dpr)),
                   QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(pad * dpr, top * dpr, width * dpr, height * dpr))
    # One colour for everything (glyphs, rules, \boxed frames, radicals): keep the alpha, take
    # the text's colour. A \color{} in the LaTeX loses to the theme, on purpose.
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
    painter.fillRect(image.rect(), QColor(color))
    painter.end()
    image.setDevicePixelRatio(dpr)
    return Formula(image=image, width=image.width() / dpr, height=image.height() / dpr,
                   depth=depth + bottom)
