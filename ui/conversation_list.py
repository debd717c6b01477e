"""The conversations sidebar: new, search, and the list sorted by last use (rename, delete, export)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QInputDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

_ID = Qt.ItemDataRole.UserRole


@dataclass(frozen=True, slots=True)
class ConversationItem:
    id: str
    title: str
    updated_at: float  # epoch seconds


class ConversationList(QFrame):
    """Signals:
        new_requested(): start a new conversation.
        selected(str): a conversation id was chosen.
        rename_requested(str, str): id, new title.
        delete_requested(str): id (the user already confirmed).
        export_requested(str, str): id, "markdown" or "json".
        search_changed(str): the search text.
    """

    new_requested = Signal()
    selected = Signal(str)
    rename_requested = Signal(str, str)
    delete_requested = Signal(str)
    export_requested = Signal(str, str)
    search_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.new_button = QPushButton(self.tr("New chat"), self)
        self.new_button.setObjectName("newChat")
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search conversations"))
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.list.setObjectName("conversations")
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.setUniformItemSizes(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(8)
        layout.addWidget(self.new_button)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        self.new_button.clicked.connect(self.new_requested)
        self.search.textChanged.connect(self.search_changed)
        self.list.currentItemChanged.connect(self._on_list_current_changed)
        self.list.customContextMenuRequested.connect(self._on_list_context_menu)
        self._updating = False

    def set_conversations(self, items: Sequence[ConversationItem], current: str | None) -> None:
        """Show `items` (already sorted by last use) and select `current` without emitting."""
        self._updating = True
        try:
            self.list.clear()
            for item in items:
                row = QListWidgetItem(item.title or self.tr("New chat"))
                row.setData(_ID, item.id)
                row.setToolTip(f"{item.title}\n{_when(item.updated_at)}")
                self.list.addItem(row)
                if item.id == current:
                    self.list.setCurrentItem(row)
        finally:
            self._updating = False

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(_ID) if item else None

    def _on_list_current_changed(self, item: QListWidgetItem | None, _previous: object) -> None:
        if item is not None and not self._updating:
            self.selected.emit(item.data(_ID))

    def _on_list_context_menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        if item is None:
            return
        conversation_id = item.data(_ID)
        menu = QMenu(self)
        rename = menu.addAction(self.tr("Rename…"))
        export_md = menu.addAction(self.tr("Export as Markdown…"))
        export_json = menu.addAction(self.tr("Export as JSON…"))
        menu.addSeparator()
        delete = menu.addAction(self.tr("Delete…"))
        chosen = menu.exec(self.list.viewport().mapToGlobal(pos))
        if chosen is rename:
            self.ask_rename(conversation_id, item.text())
        elif chosen is delete:
            self.ask_delete(conversation_id, item.text())
        elif chosen is export_md:
            self.export_requested.emit(conversation_id, "markdown")
        elif chosen is export_json:
            self.export_requested.emit(conversation_id, "json")

    def ask_rename(self, conversation_id: str, title: str) -> None:
        new, ok = QInputDialog.getText(self, self.tr("Rename conversation"), self.tr("Title:"),
                                       QLineEdit.EchoMode.Normal, title)
        if ok and new.strip():
            self.rename_requested.emit(conversation_id, new.strip())

    def ask_delete(self, conversation_id: str, title: str) -> None:
        answer = QMessageBox.question(
            self, self.tr("Delete conversation"),
            self.tr("Delete “{0}”? This cannot be undone.").format(title),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_requested.emit(conversation_id)


def _when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch))
