"""The catalog as a table: one row per quant of each model (size, thinking mode, the fit for this
machine), the recommended one marked with a badge, unavailable ones greyed with the reason, and a
filter by family and words. Widgets only: it shows the `CatalogRow`s it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from ui.theme import status_color

_KEY = Qt.ItemDataRole.UserRole
BADGE_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMN_COUNT = 5


@dataclass(frozen=True, slots=True)
class CatalogRow:
    key: str  # what `download_requested` carries back
    model: str
    quant: str
    size: str
    thinking: str  # "Reasons (R1)", "Direct (V3)", "Hybrid"
    verdict: str  # the fit for this machine, or why the quant is unavailable
    tone: str = ""  # the verdict's colour: "good", "ok", "bad" or "" (plain)
    filters: tuple[str, ...] = ()  # the filter keys that show this row
    parameters: str = ""
    files: str = ""  # "3 files"
    description: str = ""
    license: str = ""
    license_note: str = ""
    problem: str | None = None  # set: shown greyed, cannot be downloaded
    recommended: bool = False
    installed: bool = False  # on this machine already: loaded, not downloaded, from here
    loaded: bool = False  # the model answering now (or loading)


class _BadgeDelegate(QStyledItemDelegate):
    """Draws the cell's text followed by a small rounded badge ("Recommended", "Installed")."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        badge = index.data(BADGE_ROLE)
        if not badge:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text, opt.text = opt.text, ""
        widget = opt.widget
        style = widget.style() if widget else None
        if style is None:
            super().paint(painter, option, index)
            return
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        rect = rect.adjusted(4, 0, -4, 0)
        badge_font = QFont(opt.font)
        badge_font.setPointSizeF(max(opt.font.pointSizeF() - 1.5, 7.0))
        badge_font.setBold(True)
        painter.save()
        painter.setFont(badge_font)
        badge_metrics = painter.fontMetrics()
        badge_w = badge_metrics.horizontalAdvance(badge) + 14
        badge_h = badge_metrics.height() + 4
        painter.setFont(opt.font)
        metrics = painter.fontMetrics()
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight,
                                   max(rect.width() - badge_w - 8, 0))
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(opt.palette.color(role))
        painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, shown)
        left = rect.left() + metrics.horizontalAdvance(shown) + 8
        pill = QRectF(left, rect.center().y() - badge_h / 2 + 1, badge_w, badge_h)
        accent = opt.palette.color(QPalette.ColorRole.Highlight)
        fill = QColor(opt.palette.color(QPalette.ColorRole.HighlightedText) if selected else accent)
        fill.setAlpha(60 if selected else 32)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(pill, badge_h / 2, badge_h / 2)
        painter.setFont(badge_font)
        painter.setPen(opt.palette.color(role) if selected else accent)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, badge)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        badge = index.data(BADGE_ROLE)
        if badge:
            size.setWidth(size.width() + option.fontMetrics.horizontalAdvance(badge) + 30)
        return size



class CatalogTable(QTableWidget):
    """The rows in the order given (the recommended first), filtered by a key and words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, COLUMN_COUNT, parent)
        self.rows: list[CatalogRow] = []
        self.setObjectName("catalogTable")
        self.setHorizontalHeaderLabels([self.tr("Model"), self.tr("Quant"), self.tr("Size"),
                                        self.tr("Thinking"), self.tr("On this machine")])
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setMouseTracking(True)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(30)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column in (0, 1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        size_header = self.horizontalHeaderItem(2)
        assert size_header is not None  # set by setHorizontalHeaderLabels above
        size_header.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setItemDelegateForColumn(4, _BadgeDelegate(self))

    def show_rows(self, rows: Sequence[CatalogRow]) -> None:
        self.rows = list(rows)
        self.setUpdatesEnabled(False)
        self.clearContents()
        self.setRowCount(len(self.rows))
        palette = self.palette()
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        for r, row in enumerate(self.rows):
            # A verdict beside a problem is the offline estimate: the fit still shows.
            values = (row.model, row.quant, row.size, row.thinking, row.verdict or row.problem or "")
            tip = _tooltip(row)
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(_KEY, row.key)
                item.setToolTip(tip)  # the licence on hover
                if c == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if row.problem:
                    item.setForeground(QBrush(muted))
                elif c == 4 and (color := status_color(palette, row.tone)) is not None:
                    item.setForeground(QBrush(color))
                if row.recommended and c == 0:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                if c == 4 and (badge := self._badge(row)):
                    item.setData(BADGE_ROLE, badge)
                self.setItem(r, c, item)
        self.setUpdatesEnabled(True)

    def _badge(self, row: CatalogRow) -> str:
        if row.loaded:
            return self.tr("Loaded")
        if row.installed:
            return self.tr("Installed")
        return self.tr("Recommended") if row.recommended else ""

    def apply_filter(self, key: str, text: str) -> list[CatalogRow]:
        """Show the rows with `key` among their filters ("" for all) and every word of `text`;
        the rows shown, top to bottom."""
        words = text.casefold().split()
        for r, row in enumerate(self.rows):
            haystack = f"{row.model} {row.quant} {row.thinking} {row.verdict}".casefold()
            shown = (not key or key in row.filters) and all(w in haystack for w in words)
            self.setRowHidden(r, not shown)
        return self.visible_rows()

    def visible_rows(self) -> list[CatalogRow]:
        return [row for r, row in enumerate(self.rows) if not self.isRowHidden(r)]

    def selected_row(self) -> CatalogRow | None:
        rows = self.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows and rows[0].row() < len(self.rows) else None

    def select(self, key: str) -> None:
        for r, row in enumerate(self.rows):
            if row.key == key:
                self.selectRow(r)
                return


def _tooltip(row: CatalogRow) -> str:
    lines = [f"{row.model} · {row.quant}"]
    if row.description:
        lines.append(row.description)
    if row.license_note:
        lines.append(QCoreApplication.translate("CatalogTable", "Licence: {license}. {note}")
                     .format(license=row.license, note=row.license_note) if row.license
                     else row.license_note)
    if row.problem:
        lines.append(QCoreApplication.translate("CatalogTable", "Unavailable: {problem}")
                     .format(problem=row.problem))
    return "\n".join(lines)
