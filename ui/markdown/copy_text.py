"""What copying part of a chat document gives: its text, with each formula image (a U+FFFC in the
document's text) replaced by the formula's LaTeX source."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QTextCursor

OBJECT_REPLACEMENT = "\ufffc"  # what an image is in a QTextDocument's text


def selection_text(cursor: QTextCursor, source_of: Callable[[str], str | None]) -> str:
    """The text of `cursor`'s selection; `source_of(name)` is the source of the image `name`
    (None: not a formula, left as it is). Blocks end with a line break, as in plain text."""
    doc = cursor.document()
    start, end = cursor.selectionStart(), cursor.selectionEnd()
    out: list[str] = []
    block = doc.findBlock(start)
    while block.isValid() and block.position() <= end:
        if out:
            out.append("\n")
        pieces = block.begin()
        while not pieces.atEnd():
            fragment = pieces.fragment()
            first = max(fragment.position(), start)
            last = min(fragment.position() + fragment.length(), end)
            if first < last:
                text = fragment.text()[first - fragment.position():last - fragment.position()]
                char_format = fragment.charFormat()
                if char_format.isImageFormat():
                    source = source_of(char_format.toImageFormat().name())
                    if source is not None:
                        text = text.replace(OBJECT_REPLACEMENT, source)
                out.append(text)
            pieces += 1
        block = block.next()
    return "".join(out).replace("\u2029", "\n").replace("\u2028", "\n")
