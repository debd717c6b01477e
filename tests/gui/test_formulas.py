"""LaTeX → image (ui.markdown.formulas): every corpus formula renders, broken ones give None,
images are crisp at the device pixel ratio, in one colour, on the text's baseline; Chinese in
\\text{} comes from a system font; ziamath's fixes hold; the worker thread renders for the views.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.gui.chat.formula_worker import ThreadedFormulas
from tests.support.maths_corpus import formulas as corpus
from ui.markdown import formulas, ziamath_patches
from ui.markdown.formulas import MISSING, Formula, FormulaKey

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def _app(qapp: QApplication) -> None:
    """QRawFont (the CJK fallback) needs a GUI application."""


def key(latex: str, display: bool = False, color: str = "#1f2329", font_px: float = 15.0,
        dpr: float = 2.0, x_height: float = 8.0) -> FormulaKey:
    return FormulaKey(latex, display, color, font_px, x_height, dpr)


def rendered(latex: str, **kw: object) -> Formula:
    formula = formulas.render(key(latex, **kw))  # type: ignore[arg-type]
    assert formula is not None, latex
    return formula


@pytest.mark.parametrize(("number", "display", "latex"), corpus())
def test_every_corpus_formula_renders(number: int, display: bool, latex: str) -> None:
    formula = rendered(latex, display=display)
    assert formula.width > 4 and formula.height > 4
    assert not formula.image.isNull()


@pytest.mark.parametrize("latex", [r"\frac{1}{", r"\begin{pmatrix} 1 & 2", r"\left( x",
                                   r"\foo{x}", r"\sqrt", "", "   ",
                                   "x" * (formulas.MAX_CHARS + 1)])
def test_formulas_that_cannot_be_set_give_none(latex: str) -> None:
    assert formulas.render(key(latex)) is None
    assert formulas.cached(key(latex)) is None  # the failure is remembered too


def test_the_image_is_at_the_device_pixel_ratio_and_in_one_colour() -> None:
    formula = rendered(r"\frac{a}{b} + \sqrt{x} + \boxed{1}", color="#ff8000", dpr=2.0)
    image = formula.image
    assert image.devicePixelRatio() == 2.0
    assert image.width() / 2.0 == pytest.approx(formula.width)
    opaque = {image.pixelColor(x, y).name() for y in range(image.height())
              for x in range(image.width()) if image.pixelColor(x, y).alpha() == 255}
    assert opaque == {"#ff8000"}  # glyphs, fraction rule, radical, box: the text's colour
    single = rendered(r"\frac{a}{b} + \sqrt{x} + \boxed{1}", color="#ff8000", dpr=1.0)
    assert single.image.width() == pytest.approx(image.width() / 2, abs=1)  # twice the pixels


def test_inline_formulas_sit_on_the_text_baseline() -> None:
    """`vertical-align: middle` puts an image's middle half an x-height above the baseline: the
    padding makes ascent - depth equal the x-height, so the formula's baseline is the text's."""
    for latex in ["x", r"\frac{1}{2}", r"y_{j_1}", r"\sum_{k=1}^{n} k^2", r"\boxed{42}"]:
        formula = rendered(latex, x_height=8.0, dpr=2.0)
        ascent = formula.height - formula.depth
        assert abs((ascent - formula.depth) - 8.0) <= 1.0, latex


def test_display_formulas_are_not_padded() -> None:
    assert rendered(r"y_{j_1}", display=True).height < rendered(r"y_{j_1}").height


def test_maths_follows_the_font_size() -> None:
    small, large = rendered(r"\frac{a}{b}", font_px=12.0, x_height=6.0), rendered(
        r"\frac{a}{b}", font_px=24.0, x_height=12.0)
    assert large.width == pytest.approx(2 * small.width, rel=0.15)


def test_chinese_in_text_comes_from_a_system_font() -> None:
    """Without the fallback each character would be the math font's empty box, as wide as any
    other; with it the glyphs are real, about an em of the text wide, and differ."""
    one, two = rendered(r"\text{面}"), rendered(r"\text{面积}")
    assert 0.8 * 15 <= two.width - one.width <= 1.2 * 15
    same, different = rendered(r"\text{面面}").image, rendered(r"\text{面积}").image
    assert same.width() == different.width() and same != different


def test_operator_spacing_fixes() -> None:
    """× gets TeX's binary-operator space (ziamath gives it almost none), \\det A a thin space,
    \\implies TeX's thick spaces around it."""
    assert rendered(r"a \times b").width > rendered(r"a b").width + 10
    assert rendered(r"\det A").width > rendered(r"\det{}A").width
    assert rendered(r"a \implies b").width > rendered(r"a \Longrightarrow b").width


def test_the_speed_patch_changes_no_output() -> None:
    """The row-height shortcut gives byte-identical SVG to ziamath without it."""
    from ziamath.nodes import mrow

    formulas._ziamath()
    patched = mrow.Mrow._get_height_nostretch
    fast = [formulas._svg(t, d, 16.0)[0] for _, d, t in corpus()]
    mrow.Mrow._get_height_nostretch = ziamath_patches.original_height_nostretch  # type: ignore[method-assign]
    try:
        plain = [formulas._svg(t, d, 16.0)[0] for _, d, t in corpus()]
    finally:
        mrow.Mrow._get_height_nostretch = patched  # type: ignore[method-assign]
    assert fast == plain


def test_outlines_placed_by_translation_draw_the_same_pixels() -> None:
    """Glyph outlines written once at the origin and translated paint what ziafont's own paths
    at absolute positions paint (to the antialiasing of a rounding in the third decimal)."""
    from ziafont.glyph import SimpleGlyph

    formulas._ziamath()
    patched = SimpleGlyph.svgpath

    def images() -> list[bytes]:
        out = []
        for _, display, latex in corpus():
            svg, w, h, depth = formulas._svg(latex, display, 16.0)
            formula = formulas._paint(svg, w, h, depth, "#000000", 2.0, None)
            assert formula is not None
            image = formula.image
            out.append(bytes(image.constBits())[: image.sizeInBytes()])  # type: ignore[index]
        return out

    fast = images()
    assert 'transform="translate(' in formulas._svg("x+y", False, 16.0)[0]
    SimpleGlyph.svgpath = ziamath_patches.original_svgpath  # type: ignore[method-assign]
    try:
        plain = images()
    finally:
        SimpleGlyph.svgpath = patched  # type: ignore[method-assign]
    for a, b in zip(fast, plain, strict=True):
        assert len(a) == len(b)
        assert max(abs(x - y) for x, y in zip(a, b, strict=True)) <= 40  # of 255 (seen: 26)


def test_deeply_nested_fences_are_refused() -> None:
    """ziamath's layout time doubles with each nested \\left (10 deep: 8 s): more than 5 show as
    source."""
    assert formulas.render(key(r"\left(" * 8 + "x" + r"\right)" * 8, display=True)) is None
    assert formulas.render(key(r"\left(" * 3 + "x" + r"\right)" * 3, display=True)) is not None
    assert formulas._fence_depth(
        r"\left( \begin{pmatrix} 1 \end{pmatrix} \right) \left[ x \right]") == 2


def test_the_cache_is_bounded_by_bytes() -> None:
    cache = formulas._Cache(limit=200_000)
    images = {n: rendered(rf"\frac{{{n}}}{{2}} + x_{{{n}}}", display=True) for n in range(40)}
    for n, formula in images.items():
        cache.put(key(str(n)), formula)
    count, size = cache.stats()
    assert size <= 200_000 and 0 < count < 40
    assert cache.get(key("39")) is images[39]  # the newest stay
    assert cache.get(key("0")) is MISSING  # the oldest went


# -- the worker thread -------------------------------------------------------------------------




@pytest.fixture
def threaded() -> Iterator[ThreadedFormulas]:
    source = ThreadedFormulas()
    yield source
    assert source.shutdown(5000)


def test_the_worker_renders_off_the_gui_thread_and_says_ready(
    qtbot: QtBot, threaded: ThreadedFormulas
) -> None:
    wanted = [key(rf"\frac{{{n}}}{{7}} + \sqrt{{{n}}}", color="#123456") for n in range(6)]
    broken = key(r"\frac{1}{", color="#123456")
    assert all(formulas.cached(k) is MISSING for k in [*wanted, broken])
    with qtbot.waitSignal(threaded.ready, timeout=30_000):
        assert [threaded.look_up(k) for k in [*wanted, broken]] == [MISSING] * 7
        assert threaded.pending() == 7
        for k in wanted:
            threaded.look_up(k)  # asked twice: queued once
        assert threaded.pending() == 7
    qtbot.waitUntil(lambda: threaded.pending() == 0, timeout=30_000)
    assert all(isinstance(threaded.look_up(k), Formula) for k in wanted)
    assert threaded.look_up(broken) is None


def test_a_second_look_up_of_a_rendered_formula_is_a_cache_hit(
    qtbot: QtBot, threaded: ThreadedFormulas
) -> None:
    wanted = key(r"e^{i\pi} + 1 = 0", color="#654321")
    with qtbot.waitSignal(threaded.ready, timeout=30_000):
        assert threaded.look_up(wanted) is MISSING
    first = threaded.look_up(wanted)
    assert isinstance(first, Formula) and threaded.look_up(wanted) is first
    assert threaded.pending() == 0
