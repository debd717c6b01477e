"""Markdown with maths → the chat's HTML (render_markdown): what becomes an image, what stays
text or code, and what waits while a text streams in."""

from __future__ import annotations

import html
import re

import pytest
from PySide6.QtWidgets import QApplication

from tests.support.maths_corpus import answers
from ui.markdown.math_spans import find_math
from ui.markdown.render import MathStyle, render_markdown

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def _app(qapp: QApplication) -> None:
    """Formulas are painted with Qt (and the CJK fallback needs a GUI application)."""


def alts(out: str) -> list[str]:
    return [html.unescape(a) for a in re.findall(r'alt="([^"]*)"', out)]


def convert(source: str, *, final: bool = True, style: MathStyle | None = None) -> str:
    return render_markdown(source, maths=style, final=final).html


def test_the_issue_example_renders_its_maths_and_keeps_the_backslashes() -> None:
    rendered = render_markdown(r"面积公式：\[ A=\pi r^2 \] 故答案 $\boxed{12}$")
    assert alts(rendered.html) == [r"\[ A=\pi r^2 \]", r"$\boxed{12}$"]
    assert [f.source for f in rendered.formulas] == [r"\[ A=\pi r^2 \]", r"$\boxed{12}$"]
    assert "[ A=" not in rendered.html.replace(r"alt=\"\[ A=", "").split("alt=")[0]
    assert rendered.pending_maths == 0 and not rendered.undecided


def test_emphasis_characters_inside_maths_are_not_markdown() -> None:
    out = convert(r"Let $a_1 * b_2 * c_3$ and $x_i$ be _real_.")
    assert alts(out) == [r"$a_1 * b_2 * c_3$", "$x_i$"]
    assert out.count("<em>") == 1  # only _real_


def test_display_maths_alone_is_a_centred_block_of_its_own() -> None:
    out = convert("Thus\n\n$$\n\\frac{1}{2}\n$$\n\nand more.")
    assert '<p align="center"' in out and "<p><p" not in out


def test_code_is_never_touched() -> None:
    out = convert("Use `$x$` here:\n\n```\n\\[ y \\]\n$z$\n```\n")
    assert alts(out) == []
    assert "<code>$x$</code>" in out and "\\[ y \\]" in out


def test_prices_stay_text_and_an_escaped_dollar_loses_its_backslash() -> None:
    out = convert(r"It costs $5 and $10, or \$20.")
    assert alts(out) == [] and "$5 and $10, or $20." in out


def test_a_formula_that_cannot_be_set_shows_its_source_as_code() -> None:
    out = convert(r"see $\frac{1}{$ here and $$\foo{x}$$")
    assert "<code>$\\frac{1}{$</code>" in out
    assert "<code>$$\\foo{x}$$</code>" in out


def test_maths_in_a_table_cell_keeps_its_pipes() -> None:
    out = convert("| a | b |\n|---|---|\n| $|x|$ | 2 |\n")
    assert alts(out) == ["$|x|$"] and "<table" in out


def test_maths_in_list_items() -> None:
    out = convert("1. first $x^2$\n2. second\n   \\[ y \\]\n3. third")
    assert alts(out) == ["$x^2$", r"\[ y \]"] and out.count("<li>") == 3


def test_images_are_sized_in_logical_pixels_and_named_by_content() -> None:
    style = MathStyle(font_px=15, x_height=8, dpr=2)
    first, second = (render_markdown("$x$ and $x$", maths=style) for _ in range(2))
    width, height = map(float, re.search(r'width="([\d.]+)" height="([\d.]+)"',
                                         first.html).groups())  # type: ignore[union-attr]
    assert 5 < width < 20 and 5 < height < 30
    assert first.formulas == second.formulas  # the same names each time: Qt's cache holds
    assert len({f.name for f in first.formulas}) == 1


def test_the_style_is_part_of_each_image() -> None:
    light = render_markdown("$x$", maths=MathStyle(color="#1f2329"))
    dark = render_markdown("$x$", maths=MathStyle(color="#e6e7eb"))
    assert light.formulas[0].name != dark.formulas[0].name
    assert dark.formulas[0].key.color == "#e6e7eb"


# -- streaming ---------------------------------------------------------------------------------


def test_an_unclosed_display_streams_as_text() -> None:
    rendered = render_markdown("Thus\n$$\n\\frac{1}{2}", final=False)
    assert alts(rendered.html) == [] and "$$" in rendered.html
    assert rendered.undecided


def test_an_inline_closer_at_the_end_waits_for_the_next_character() -> None:
    """The converter adds blank lines to the source; they must not make the text final."""
    assert alts(convert("so $x$", final=False)) == []
    assert alts(convert("so $x$5", final=False)) == []
    assert alts(convert("so $x$,", final=False)) == ["$x$"]
    assert alts(convert("so $x$")) == ["$x$"]


@pytest.mark.parametrize("answer", answers(), ids=lambda a: a[:20])
def test_r1_style_answers_render_every_formula(answer: str) -> None:
    rendered = render_markdown(answer)
    spans = find_math(answer)
    assert spans and [f.source for f in rendered.formulas] == [s.source for s in spans]
    shown = "".join(f.source for f in rendered.formulas)
    assert "$5" not in shown and "$HOME" not in shown  # prices and code stayed text
