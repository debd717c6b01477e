"""MarkdownView: a read-only rich-text view of (streamed) Markdown that is as tall as its text.

Streaming lifecycle: `append_markdown()` adds text to the source. The part before the last stable
block boundary (see `ui.markdown_blocks`) is converted once and appended to the QTextDocument for
good; the open tail after it is converted again on every update and swapped in, by undoing the
previous tail (one undo step) and inserting the new one. An update therefore costs the size of the
tail, not of the answer. `finish()` drops the undo history; the document then reads exactly as
`set_markdown()` of the whole text would.

Maths: formulas are images looked up in `ui.markdown.formulas` (the app renders them on a worker
thread). One not rendered yet shows as its source; the view listens for the source's `ready` and
renders again, so each formula turns from text to image once. A streamed block is frozen only
once all its formulas are images (a frozen block is never rendered again). Formulas follow the
view's text colour, font and device pixel ratio: a change of any renders them anew. Copying a
selection gives each formula's LaTeX source.

The view is inert towards model output: the only resources it loads are its own `math:` images,
and a link does nothing until clicked; then http/https/mailto open in the system's browser or
mail client and `copy:N` puts code block N on the clipboard.
"""

from __future__ import annotations

import logging
import math
from functools import lru_cache

from PySide6.QtCore import QEvent, QMimeData, QSize, Qt, QUrl, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFontInfo,
    QFontMetricsF,
    QGuiApplication,
    QPalette,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextDocumentFragment,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QWidget

from ui.markdown import formulas
from ui.markdown.blocks import stable_boundary
from ui.markdown.copy_text import selection_text
from ui.markdown.render import (
    COPY_SCHEME,
    MATH_SCHEME,
    FormulaRef,
    HtmlTheme,
    MathStyle,
    RenderedMarkdown,
    is_safe_url,
    plain_text_html,
    render_markdown,
    stylesheet,
)
from ui.theme import mix

log = logging.getLogger(__name__)

# An open block longer than this (a paragraph that never ends) is shown as plain text until it
# completes: re-parsing Markdown on every update would cost more the longer it grows.
LONG_TAIL = 4000


class MarkdownView(QTextBrowser):
    """Signals:
        code_copied(int): the Copy link of code block N put that block's code on the clipboard.
        link_opened(QUrl): a safe link was clicked and handed to the desktop.
    """

    code_copied = Signal(int)
    link_opened = Signal(QUrl)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.DefaultContextMenu)
        self.viewport().setAutoFillBackground(False)
        self.setAutoFillBackground(False)
        doc = self.document()
        doc.setDocumentMargin(0)
        doc.setUndoRedoEnabled(False)
        self._source = ""
        self._is_markdown = True
        self._frozen_len = 0  # source[:_frozen_len] is in the document for good
        self._frozen_any = False
        self._tail_inserted = False  # the tail is the document's last undo step
        self._codes: list[str] = []  # code of the frozen blocks, then of the tail's
        self._frozen_codes = 0
        self._streaming = False
        self._deferred = False
        self._height = -1
        self._formulas: dict[str, FormulaRef] = {}  # the math: images shown, by name
        self._maths = MathStyle()  # the style the shown formulas were rendered in
        self._awaiting = False  # formulas shown as source wait for their images
        self._listening: formulas.Formulas | None = None  # the source whose `ready` it hears
        self._finishing = False  # finish() waits for the tail's last formulas
        self._blocked_at = -1  # the boundary a block waits at for its formulas before freezing
        self._theme = theme_for(self.palette())
        doc.setDefaultStyleSheet(stylesheet(self._theme))
        doc.documentLayout().documentSizeChanged.connect(self._on_document_size_changed)
        self.anchorClicked.connect(self._on_anchor_clicked)
        self._fit_height()

    # -- content -----------------------------------------------------------------------------

    def markdown(self) -> str:
        """The source text (what "copy" copies)."""
        return self._source

    def code_blocks(self) -> tuple[str, ...]:
        return tuple(self._codes)

    def set_markdown(self, text: str, *, defer: bool = False) -> None:
        """Show `text` rendered in one go (a finished message).

        `defer` shows the source as plain text for now (about as tall, far cheaper to build);
        `render_deferred()` renders it later.
        """
        self._source = text
        self._is_markdown = True
        self._deferred = defer
        self._streaming = self._finishing = False
        self._blocked_at = -1
        self._formulas.clear()
        if defer:
            self._codes = []
            self._frozen_len = self._frozen_codes = 0
            self._frozen_any = self._tail_inserted = False
            self._await(False)
            self.document().setPlainText(text)
            return
        self._frozen_len = 0
        self._frozen_any = self._tail_inserted = False
        rendered = self._render(text, final=True)
        self._codes = list(rendered.code_blocks)
        self._frozen_codes = 0
        self._await(rendered.pending_maths > 0)
        self._set_html(rendered.html)

    def is_deferred(self) -> bool:
        return self._deferred

    def render_deferred(self) -> None:
        if self._deferred:
            self.set_markdown(self._source)

    def set_plain_text(self, text: str) -> None:
        """Show `text` as typed: no Markdown, line breaks kept (a user's message)."""
        self._source = text
        self._deferred = False
        self._is_markdown = False
        self._streaming = self._finishing = False
        self._codes = []
        self._formulas.clear()
        self._await(False)
        self._set_html(plain_text_html(text))

    def append_markdown(self, text: str) -> None:
        """Add streamed text; only the open tail block is rendered again."""
        if not text:
            return
        if not self._streaming:
            if self._source or not self._is_markdown or self._deferred:
                self.set_markdown(self._source + text)  # not a stream: render it anew
                return
            self._streaming = True
        self._source += text
        self._update_stream()

    def _update_stream(self) -> None:
        """Freeze what is complete (formulas included), render the open tail again."""
        doc = self.document()
        doc.setUndoRedoEnabled(True)
        boundary = stable_boundary(self._source, self._frozen_len)
        frozen: RenderedMarkdown | None = None
        if boundary > self._frozen_len and boundary != self._blocked_at:
            frozen = self._render(self._source[self._frozen_len:boundary], final=True,
                                  first_code_index=self._frozen_codes)
            if frozen.pending_maths:
                # A frozen block is never rendered again: it waits (in the tail) for its images,
                # and is tried again when they arrive.
                self._blocked_at, frozen = boundary, None
        if frozen is not None:
            self._remove_tail()
            del self._codes[self._frozen_codes:]
            self._codes.extend(frozen.code_blocks)
            self._frozen_codes = len(self._codes)
            self._frozen_len = boundary
            if self._frozen_any:
                self._append_fragment(frozen.html)
            else:
                self._set_html(frozen.html)
                self._frozen_any = True
            doc.clearUndoRedoStacks()
        self._render_tail()

    def resume_streaming(self) -> None:
        """Go on streaming after `finish()` (an answer continued): the next appends re-render
        only the open tail, as before."""
        if self._streaming or not self._is_markdown:
            return
        source = self._source
        self.set_markdown("")
        self.append_markdown(source)

    def finish(self) -> None:
        """The text is complete: keep what is shown, free the streaming bookkeeping (once the
        tail's formulas, if any are still rendering, have arrived)."""
        if self._streaming:
            self._streaming = False
            self._finishing = True
            # Render the tail once more as final: a long tail was shown plain, and its end may
            # have been waiting to be told maths ("$x$" then "5"?) or for its formulas.
            self._render_tail(final=True)
        if not self._awaiting:
            self._end_stream()

    def _end_stream(self) -> None:
        self._finishing = False
        doc = self.document()
        doc.clearUndoRedoStacks()
        doc.setUndoRedoEnabled(False)
        self._streaming = False
        self._tail_inserted = False
        self._frozen_len = 0
        self._frozen_any = False
        self._frozen_codes = 0

    def _render_tail(self, *, final: bool = False) -> None:
        tail = self._source[self._frozen_len:]
        del self._codes[self._frozen_codes:]
        if len(tail) > LONG_TAIL and not final:
            html_text = plain_text_html(tail)
            self._await(self._blocked_at >= 0)
        else:
            rendered = self._render(tail, final=final, first_code_index=self._frozen_codes)
            self._codes.extend(rendered.code_blocks)
            html_text = rendered.html
            self._await(rendered.pending_maths > 0)
        if not self._frozen_any:
            self._set_html(html_text)  # nothing frozen yet: the document is the tail
            return
        self._remove_tail()
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        self._append_fragment(html_text, cursor)
        cursor.endEditBlock()
        self._tail_inserted = True

    def _remove_tail(self) -> None:
        if self._tail_inserted:
            self.document().undo()
            self._tail_inserted = False

    def _set_html(self, html: str) -> None:
        doc = self.document()
        doc.setHtml(html)
        if doc.isUndoRedoEnabled():
            doc.clearUndoRedoStacks()

    def _append_fragment(self, html: str, cursor: QTextCursor | None = None) -> None:
        """Append HTML after the document's content, reading exactly as one setHtml would.

        QTextCursor.insertFragment merges the fragment's first block into the block at the
        cursor and drops that block's format (a heading would lose its size). So the fragment
        gets an empty, plain first block to merge instead, unless it starts with a table, which
        Qt already precedes with such a block.
        """
        part = _InertDocument()
        part.setDefaultFont(self.document().defaultFont())
        part.setDefaultStyleSheet(self.document().defaultStyleSheet())
        part.setHtml(html)
        if not _starts_with_table(part):
            first = part.begin()
            block_format, char_format = first.blockFormat(), first.charFormat()
            QTextCursor(part).insertBlock(QTextBlockFormat(), QTextCharFormat())
            lead = QTextCursor(part.begin())
            lead.setBlockFormat(QTextBlockFormat())
            lead.setBlockCharFormat(QTextCharFormat())
            moved = QTextCursor(part.begin().next())
            moved.setBlockFormat(block_format)
            moved.setBlockCharFormat(char_format)
        cursor = cursor or QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertFragment(QTextDocumentFragment(part))

    # -- theme -------------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        kind = event.type()
        if kind == QEvent.Type.PaletteChange:
            theme = theme_for(self.palette())
            if theme != self._theme:
                self._theme = theme
                self.document().setDefaultStyleSheet(stylesheet(theme))
                self._rerender()
                return
        # Formulas are images in the text's colour (the reasoning panel dims it), size and pixel
        # ratio: they follow by being rendered anew.
        if (kind in (QEvent.Type.PaletteChange, QEvent.Type.FontChange,
                     QEvent.Type.DevicePixelRatioChange)
                and self._formulas and self._math_style() != self._maths):
            self._rerender()

    def _rerender(self) -> None:
        self._finishing = False
        if not self._is_markdown:
            self.set_plain_text(self._source)
        elif self._deferred:
            pass  # rendered with the new theme when its turn comes
        elif not self._streaming:
            self.set_markdown(self._source)
        else:
            source = self._source
            self.set_markdown("")
            self.append_markdown(source)

    # -- size --------------------------------------------------------------------------------

    @Slot()
    def _on_document_size_changed(self) -> None:
        self._fit_height()

    def _fit_height(self) -> None:
        margins = self.contentsMargins()
        height = math.ceil(self.document().size().height()) + margins.top() + margins.bottom()
        if height != self._height:
            self._height = height
            self.setFixedHeight(height)

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), max(self._height, 0))

    def minimumSizeHint(self) -> QSize:
        return QSize(0, max(self._height, 0))

    def wheelEvent(self, event: QWheelEvent) -> None:
        event.ignore()  # the chat scrolls, not each message

    # -- inert resources and links -----------------------------------------------------------

    def loadResource(self, type: int, name: QUrl | str) -> object:
        url = name.toString() if isinstance(name, QUrl) else name
        ref = self._formulas.get(url) if url.startswith(MATH_SCHEME + ":") else None
        if ref is not None:
            # Rendered before its name was written into the HTML; the cache may have dropped
            # it since (a long conversation): then it is rendered again, here, once.
            formula = formulas.cached(ref.key)
            if formula is formulas.MISSING:
                formula = formulas.render(ref.key)
            return formula.image if formula is not None else None
        log.debug("refused to load %s", url)
        return None

    # -- maths -------------------------------------------------------------------------------

    def _render(self, source: str, *, final: bool, first_code_index: int = 0
                ) -> RenderedMarkdown:
        self._maths = self._math_style()
        rendered = render_markdown(source, self._theme, first_code_index=first_code_index,
                                   maths=self._maths, final=final)
        for ref in rendered.formulas:
            self._formulas[ref.name] = ref
        return rendered

    def _math_style(self) -> MathStyle:
        """How formulas must look to match this view's text now."""
        self.ensurePolished()  # the chat's stylesheet sets the font size
        font = self.document().defaultFont()
        return MathStyle(color=self.palette().color(QPalette.ColorRole.Text).name(),
                         font_px=float(QFontInfo(font).pixelSize()),
                         x_height=QFontMetricsF(font).xHeight(),
                         dpr=self.devicePixelRatioF())

    def _await(self, waiting: bool) -> None:
        """Listen for formula images while some are shown as source."""
        self._awaiting = waiting
        source = formulas.formulas() if waiting else None
        if source is not self._listening:
            if self._listening is not None:
                self._listening.ready.disconnect(self._on_formulas_ready)
            if source is not None:
                source.ready.connect(self._on_formulas_ready)
            self._listening = source

    @Slot()
    def _on_formulas_ready(self) -> None:
        self._blocked_at = -1
        if self._streaming:
            self._update_stream()
        elif self._finishing:
            self._render_tail(final=True)
            if not self._awaiting:
                self._end_stream()
        elif self._awaiting and self._is_markdown and not self._deferred:
            self.set_markdown(self._source)

    def formula(self, name: str) -> FormulaRef | None:
        """The formula shown as the image `name` (`math:…`)."""
        return self._formulas.get(name)

    def formula_count(self) -> int:
        return len(self._formulas)

    def frozen_length(self) -> int:
        """While streaming: how much of the source is rendered for good."""
        return self._frozen_len

    def has_pending_maths(self) -> bool:
        """Whether formulas are shown as their source until their images arrive."""
        return self._awaiting

    def createMimeDataFromSelection(self) -> QMimeData:
        """Copy gives each formula's LaTeX source (its image is a U+FFFC in the text). A fresh
        QMimeData: Qt's own recomputes its text from the document on every read."""
        cursor = self.textCursor()
        if not self._formulas or not cursor.hasSelection():
            return super().createMimeDataFromSelection()
        mime = QMimeData()
        mime.setText(selection_text(cursor, self._formula_source))
        return mime

    def _formula_source(self, name: str) -> str | None:
        ref = self._formulas.get(name)
        return ref.source if ref is not None else None

    @Slot(QUrl)
    def _on_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() == COPY_SCHEME:
            index = int(url.path()) if url.path().isdigit() else -1
            if 0 <= index < len(self._codes):
                QGuiApplication.clipboard().setText(self._codes[index])
                self.code_copied.emit(index)
            return
        if is_safe_url(url.toString()) and url.scheme().lower() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)
            self.link_opened.emit(url)


class _InertDocument(QTextDocument):
    """A scratch document for building fragments; like the view, it never loads anything."""

    def loadResource(self, type: int, name: QUrl | str) -> object:
        return None


def _starts_with_table(doc: QTextDocument) -> bool:
    frames = doc.rootFrame().childFrames()
    return bool(frames) and frames[0].firstPosition() == 1 and doc.begin().length() == 1


def theme_for(palette: QPalette) -> HtmlTheme:
    """The HTML colours that suit `palette` (dark when its window colour is dark)."""
    role = QPalette.ColorRole
    return _theme(palette.color(role.Base).name(), palette.color(role.Text).name(),
                  palette.color(role.Window).name(), palette.color(role.Link).name(),
                  palette.color(role.PlaceholderText).name())


@lru_cache(maxsize=8)
def _theme(base: str, text: str, window: str, link: str, muted: str) -> HtmlTheme:
    dark = QColor(window).lightness() < 128
    b, t = QColor(base), QColor(text)
    if dark:
        code = mix(b, QColor("#000000"), 0.3)
        header = mix(b, t, 0.07)
        border = mix(b, t, 0.16)
        link = mix(QColor(link), QColor("#ffffff"), 0.2).name()
    else:
        code = mix(b, t, 0.035)
        header = mix(b, t, 0.075)
        border = mix(b, t, 0.12)
    return HtmlTheme(dark=dark, muted=muted, link=link, border=border.name(),
                     code_background=code.name(), code_header_background=header.name(),
                     inline_code_background=mix(b, t, 0.09).name(),
                     table_header_background=mix(b, t, 0.05).name())
