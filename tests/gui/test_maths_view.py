"""Maths in the chat's MarkdownView: formulas shown as images, copied as LaTeX, following the
theme, the reasoning panel's dimmed text and the font size; while streaming, each formula turns
from its source into an image once it is complete, never back, and no block is frozen while one
of its formulas is still being rendered."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QColor, QFont, QImage, QPalette, QTextDocument
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.support.gui import block_signature
from tests.support.maths_corpus import answers
from ui.chat.reasoning_panel import ReasoningPanel
from ui.markdown import formulas
from ui.markdown.copy_text import OBJECT_REPLACEMENT
from ui.markdown.formulas import MISSING, FormulaKey, Formulas, Looked
from ui.markdown.markdown_view import MarkdownView
from ui.markdown.render import MATH_SCHEME, FormulaRef

pytestmark = pytest.mark.gui

ISSUE = r"面积公式：\[ A=\pi r^2 \] 故答案 $\boxed{12}$"


def images(document: QTextDocument) -> list[str]:
    """The names of the images in the document, in order."""
    names = []
    block = document.begin()
    while block.isValid():
        for piece in block:
            char_format = piece.fragment().charFormat()
            if char_format.isImageFormat():
                names.append(char_format.toImageFormat().name())
        block = block.next()
    return names


def shown(view: MarkdownView) -> list[FormulaRef]:
    refs = [view.formula(name) for name in images(view.document())]
    assert all(refs)
    return [r for r in refs if r is not None]


def image_of(view: MarkdownView, ref: FormulaRef) -> QImage:
    image = view.loadResource(QTextDocument.ResourceType.ImageResource.value, QUrl(ref.name))
    assert isinstance(image, QImage)
    return image


def ink(image: QImage) -> set[str]:
    return {image.pixelColor(x, y).name() for y in range(image.height())
            for x in range(image.width()) if image.pixelColor(x, y).alpha() == 255}


@pytest.fixture
def view(host: QWidget) -> MarkdownView:
    widget = MarkdownView(host)
    host.layout().addWidget(widget)
    widget.show()
    return widget


def test_the_issue_example_shows_two_formulas_and_no_raw_latex(view: MarkdownView) -> None:
    view.set_markdown(ISSUE)
    text = view.document().toPlainText()
    assert [r.source for r in shown(view)] == [r"\[ A=\pi r^2 \]", r"$\boxed{12}$"]
    assert "\\pi" not in text and "[ A=" not in text and "$" not in text
    assert text.count(OBJECT_REPLACEMENT) == 2
    assert all(r.name.startswith(MATH_SCHEME + ":") for r in shown(view))
    assert view.markdown() == ISSUE  # Copy on the message still copies the source


def test_copying_a_selection_gives_the_latex_source(view: MarkdownView) -> None:
    view.set_markdown(ISSUE + "\n\nand $x^2$ too.")
    view.selectAll()
    copied = view.createMimeDataFromSelection().text()
    lines = [line.strip() for line in copied.split("\n")]
    assert lines == ["面积公式：", r"\[ A=\pi r^2 \]", r"故答案 $\boxed{12}$", "and $x^2$ too."]
    cursor = view.textCursor()
    cursor.setPosition(view.document().toPlainText().index("and"))
    cursor.setPosition(len(view.document().toPlainText()), cursor.MoveMode.KeepAnchor)
    view.setTextCursor(cursor)
    assert view.createMimeDataFromSelection().text() == "and $x^2$ too."


def test_a_formula_that_cannot_be_set_shows_its_source_in_code_style(
        view: MarkdownView) -> None:
    view.set_markdown(r"see $\frac{1}{$ here")
    assert images(view.document()) == []
    block = view.document().begin()
    code = [p.fragment() for p in block if p.fragment().text() == r"$\frac{1}{$"]
    assert code and code[0].charFormat().background().color().isValid()  # the code tint
    assert code[0].charFormat().fontFixedPitch() or "monospace" in str(
        code[0].charFormat().fontFamilies())


def test_formulas_follow_the_theme(view: MarkdownView) -> None:
    view.set_markdown("Light: $x + y$")
    light = shown(view)[0]
    assert ink(image_of(view, light)) == {view.palette().color(QPalette.ColorRole.Text).name()}
    palette = QPalette(view.palette())
    for role, color in ((QPalette.ColorRole.Base, "#1e1f24"),
                        (QPalette.ColorRole.Window, "#1e1f24"),
                        (QPalette.ColorRole.Text, "#e6e7eb")):
        palette.setColor(role, QColor(color))
    view.setPalette(palette)
    dark = shown(view)[0]
    assert dark.name != light.name
    assert ink(image_of(view, dark)) == {"#e6e7eb"}


def test_formulas_in_the_reasoning_panel_are_dimmed_like_its_text(host: QWidget) -> None:
    panel = ReasoningPanel(host, keep_expanded=True)
    host.layout().addWidget(panel)
    panel.set_reasoning(r"Since $r^2 = 4$ we get \(r = 2\).", 3.0)
    panel.show()
    assert panel.view is not None
    muted = panel.palette().color(QPalette.ColorRole.PlaceholderText).name()
    refs = shown(panel.view)
    assert [r.source for r in refs] == ["$r^2 = 4$", r"\(r = 2\)"]
    assert {c for r in refs for c in ink(image_of(panel.view, r))} == {muted}


def test_formulas_follow_the_font_size(view: MarkdownView) -> None:
    view.set_markdown(r"$\frac{a}{b}$")
    before = shown(view)[0]
    width = image_of(view, before).width()
    font = QFont(view.font())
    font.setPixelSize(28)
    view.setFont(font)
    after = shown(view)[0]
    assert after.key.font_px == 28 and before.key.font_px < 28
    assert image_of(view, after).width() > 1.5 * width


def test_images_are_at_the_screens_pixel_ratio(view: MarkdownView) -> None:
    view.set_markdown("$x$")
    ref = shown(view)[0]
    assert ref.key.dpr == view.devicePixelRatioF()
    assert image_of(view, ref).devicePixelRatio() == view.devicePixelRatioF()


# -- streaming ---------------------------------------------------------------------------------


class HeldFormulas(Formulas):
    """A source whose formulas arrive when the test says (as a worker thread's would)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[FormulaKey] = set()
        self.open = False

    def look_up(self, key: FormulaKey) -> Looked:
        if self.open:
            return formulas.render(key)
        self.asked.add(key)
        return MISSING

    def pending(self) -> int:
        return 0 if self.open else len(self.asked)

    def release(self) -> None:
        self.open = True
        self.ready.emit()


@pytest.fixture
def held() -> Iterator[HeldFormulas]:
    source = HeldFormulas()
    formulas.use_formulas(source)
    yield source
    formulas.use_formulas(None)


def pieces(text: str, size: int = 3) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


def test_a_block_is_not_frozen_while_its_formula_renders(view: MarkdownView,
                                                         held: HeldFormulas) -> None:
    view.append_markdown("First $a^2$ here.\n\nSecond paragraph\n")
    assert view.has_pending_maths()
    assert images(view.document()) == []
    assert "$a^2$" in view.document().toPlainText()  # its source, as it streamed in
    assert view.frozen_length() == 0  # the first block waits for its image in the tail
    held.release()
    assert [r.source for r in shown(view)] == ["$a^2$"]
    assert not view.has_pending_maths()
    assert view.frozen_length() > 0  # now it is frozen, image and all
    view.append_markdown(" and more.\n\nThird $b$.")
    view.finish()
    assert [r.source for r in shown(view)] == ["$a^2$", "$b$"]


def test_finish_waits_for_the_tails_last_formulas(view: MarkdownView,
                                                  held: HeldFormulas) -> None:
    source = "Intro.\n\nSo $x = 1$"
    for piece in pieces(source):
        view.append_markdown(piece)
    view.finish()
    assert images(view.document()) == [] and view.has_pending_maths()
    held.release()
    assert [r.source for r in shown(view)] == ["$x = 1$"]
    reference = MarkdownView()
    reference.set_markdown(source)
    assert block_signature(view.document()) == block_signature(reference.document())


@pytest.mark.parametrize("answer", answers(), ids=lambda a: a[:20])
def test_streamed_maths_turns_into_images_once_and_ends_as_a_whole_render(
    qtbot: QtBot, view: MarkdownView, answer: str
) -> None:
    """Fed a few characters at a time, each formula goes from source to image once and never
    back (no flicker), and the end reads exactly like rendering the whole answer at once."""
    seen: set[str] = set()
    for piece in pieces(answer):
        view.append_markdown(piece)
        now = {r.source for r in shown(view)}
        assert seen <= now, f"{seen - now} turned back into text"
        seen = now
    view.finish()
    reference = MarkdownView()
    reference.set_markdown(answer)
    assert block_signature(view.document()) == block_signature(reference.document())
    assert images(view.document()) == images(reference.document())
