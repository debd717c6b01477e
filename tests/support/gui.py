"""GUI test helpers: a scripted answer and sending a message as the user does, a hand-set clock,
and reading a QTextDocument the way a user sees it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor, QTextDocument
from PySide6.QtWidgets import QTextEdit

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from app.gui.app_controller import AppController

# A GBNF grammar that makes the tiny model reason, then answer, always the same words.
SCRIPT = 'root ::= "Let me think about it." "</think>" "\\n\\nThe answer is **4**."'


def send(qtbot: QtBot, app: AppController, text: str, timeout: int = 60_000) -> str:
    """Type `text`, click Send and wait for the answer to end; the answer's message id."""
    app.window.composer.set_text(text)
    # Wait on the GUI-thread controller, never on the worker's own signals.
    with qtbot.waitSignal(app.chat.generating_changed, timeout=timeout,
                          check_params_cb=lambda busy: not busy):
        qtbot.mouseClick(app.window.composer.send, Qt.MouseButton.LeftButton)
    return str(app.window.chat_view.message_ids()[-1])


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def anchors(document: QTextDocument) -> list[tuple[str, str]]:
    """(href, text) of every link in the document, in order."""
    found = []
    block = document.begin()
    while block.isValid():
        for piece in block:
            fragment = piece.fragment()
            if fragment.charFormat().isAnchor():
                found.append((fragment.charFormat().anchorHref(), fragment.text()))
        block = block.next()
    return found


def anchor_point(view: QTextEdit, href: str) -> QPoint:
    """Where on the view's viewport the link `href` is drawn."""
    document = view.document()
    block = document.begin()
    while block.isValid():
        for piece in block:
            fragment = piece.fragment()
            if fragment.charFormat().anchorHref() == href:
                cursor = QTextCursor(document)
                cursor.setPosition(fragment.position() + max(1, fragment.length() // 2))
                return view.cursorRect(cursor).center()
        block = block.next()
    raise AssertionError(f"no link {href!r} in the document")


def block_signature(document: QTextDocument) -> list[tuple[object, ...]]:
    """What the reader sees of each block: text, heading level, list, margins, weight."""
    rows: list[tuple[object, ...]] = []
    block = document.begin()
    while block.isValid():
        fmt = block.blockFormat()
        text_list = block.textList()
        listing = None
        if text_list is not None:
            listing = (text_list.format().style(), text_list.format().indent(),
                       text_list.itemNumber(block))
        rows.append((block.text(), fmt.headingLevel(), listing, fmt.topMargin(),
                     fmt.bottomMargin(), fmt.leftMargin(), block.charFormat().fontWeight()))
        block = block.next()
    return rows
