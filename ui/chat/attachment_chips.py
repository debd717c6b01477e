"""Attached files as chips: name, size and token count. The composer's `AttachmentTray` holds the
files of the message being written (removable, "Reading…" until read, a refusal shown under
them); a sent message shows its files as fixed chips (`attachment_row`)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from backend.chat.messages import Attachment, AttachmentKind
from backend.units import format_bytes

CHIP_COLUMNS = 3
NAME_WIDTH = 180  # pixels; longer names are elided in the middle
PREVIEW_LINES = 12


class AttachmentChip(QFrame):
    """One file. Signals:
        remove_requested(): its × was clicked (only on removable chips).
    """

    remove_requested = Signal()

    def __init__(self, name: str, *, removable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentChip")
        self._name = name
        self.icon = QLabel(self)
        self.icon.setObjectName("attachmentKind")
        self.name_label = QLabel(self)
        self.name_label.setObjectName("attachmentName")
        self.detail_label = QLabel(self)
        self.detail_label.setObjectName("attachmentDetail")
        text = QVBoxLayout()
        text.setContentsMargins(0, 0, 0, 0)
        text.setSpacing(0)
        text.addWidget(self.name_label)
        text.addWidget(self.detail_label)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 4 if removable else 10, 4)
        row.setSpacing(8)
        row.addWidget(self.icon)
        row.addLayout(text, 1)
        self.remove_button: QToolButton | None = None
        if removable:
            self.remove_button = QToolButton(self)
            self.remove_button.setObjectName("attachmentRemove")
            self.remove_button.setText("×")
            self.remove_button.setToolTip(self.tr("Remove {0}").format(name))
            self.remove_button.setCursor(Qt.CursorShape.PointingHandCursor)
            self.remove_button.clicked.connect(self.remove_requested)
            row.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)
        metrics = QFontMetrics(self.name_label.font())
        self.name_label.setText(metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, NAME_WIDTH))
        self.icon.setText(_kind_badge(name, None))
        self.detail_label.setText(self.tr("Reading…"))

    @property
    def name(self) -> str:
        return self._name

    def detail(self) -> str:
        return self.detail_label.text()

    def show_attachment(self, attachment: Attachment, *, exact: bool = True) -> None:
        """Its size and tokens; `exact`: counted by the loaded model (else an estimate)."""
        tokens = (self.tr("{0:,} tokens") if exact else self.tr("≈{0:,} tokens")).format(
            attachment.tokens)
        parts = [format_bytes(attachment.size), tokens]
        if attachment.truncated:
            parts.append(self.tr("first part"))
        self.detail_label.setText(" · ".join(parts))
        self.icon.setText(_kind_badge(attachment.name, attachment.kind))
        lines = attachment.text.splitlines()
        preview = "\n".join(line[:100] for line in lines[:PREVIEW_LINES])
        if len(lines) > PREVIEW_LINES:
            preview += "\n…"
        note = (self.tr("Only the first part of the file is sent.") + "\n\n"
                if attachment.truncated else "")
        self.setToolTip(f"{attachment.name}\n\n{note}{preview}")


def _kind_badge(name: str, kind: AttachmentKind | None) -> str:
    if kind is AttachmentKind.PDF or name.lower().endswith(".pdf"):
        return "PDF"
    if kind is AttachmentKind.DOCX or name.lower().endswith(".docx"):
        return "DOC"
    suffix = name.rsplit(".", 1)[-1].upper() if "." in name else ""
    return suffix[:4] if suffix and suffix.isalnum() else "TXT"


def attachment_row(attachments: tuple[Attachment, ...], parent: QWidget) -> QWidget:
    """A sent message's files, right-aligned above its bubble."""
    box = QWidget(parent)
    box.setObjectName("messageAttachments")
    grid = QGridLayout(box)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setHorizontalSpacing(6)
    grid.setVerticalSpacing(6)
    grid.setColumnStretch(0, 1)
    for index, attachment in enumerate(attachments):
        chip = AttachmentChip(attachment.name, removable=False, parent=box)
        chip.show_attachment(attachment)
        grid.addWidget(chip, index // CHIP_COLUMNS, 1 + index % CHIP_COLUMNS)
    return box


@dataclass
class _Entry:
    chip: AttachmentChip
    attachment: Attachment | None = None  # None while the file is read
    exact: bool = False


class AttachmentTray(QWidget):
    """The files of the message being written, in the order attached, and the last refusal.

    Signals:
        changed(): a file was added, read, counted or removed.
        removed(str): the user removed the file with this key.
    """

    changed = Signal()
    removed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentTray")
        self._entries: dict[str, _Entry] = {}
        self._grid = QGridLayout()
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(6)
        self._grid.setVerticalSpacing(6)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("attachmentError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(self._grid)
        layout.addWidget(self.error_label)
        self._refresh()

    # -- what the app tells it ------------------------------------------------------------------

    def add_pending(self, key: str, name: str) -> None:
        """A file being read: a chip that says so."""
        chip = AttachmentChip(name, removable=True, parent=self)
        chip.remove_requested.connect(self._on_chip_remove_requested)
        self._entries[key] = _Entry(chip)
        self._relayout()

    def set_attachment(self, key: str, attachment: Attachment, *, exact: bool) -> bool:
        """The file was read (or counted again); False when the user removed it meanwhile."""
        entry = self._entries.get(key)
        if entry is None:
            return False
        entry.attachment, entry.exact = attachment, exact
        entry.chip.show_attachment(attachment, exact=exact)
        self._refresh()
        return True

    def remove(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            entry.chip.hide()
            entry.chip.deleteLater()
            self._relayout()

    def clear(self) -> None:
        """After sending: no files, no refusal."""
        for key in list(self._entries):
            self.remove(key)
        self.show_error("")

    def show_error(self, text: str) -> None:
        """Why a file was refused ("" hides it)."""
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))
        self._refresh()

    # -- what the app asks ----------------------------------------------------------------------

    def attachments(self) -> list[Attachment]:
        """The files read so far, in the order attached."""
        return [e.attachment for e in self._entries.values() if e.attachment is not None]

    def attachment(self, key: str) -> Attachment | None:
        entry = self._entries.get(key)
        return None if entry is None else entry.attachment

    def file_keys(self) -> list[str]:
        return list(self._entries)

    def chip(self, key: str) -> AttachmentChip:
        return self._entries[key].chip

    def busy(self) -> bool:
        """Whether a file is still being read."""
        return any(e.attachment is None for e in self._entries.values())

    def total_tokens(self) -> int:
        return sum(a.tokens for a in self.attachments())

    def is_exact(self) -> bool:
        return all(e.exact for e in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    # -- inside ---------------------------------------------------------------------------------

    def _relayout(self) -> None:
        for entry in self._entries.values():
            self._grid.removeWidget(entry.chip)
        for index, entry in enumerate(self._entries.values()):
            self._grid.addWidget(entry.chip, index // CHIP_COLUMNS, index % CHIP_COLUMNS)
            entry.chip.show()
        self._grid.setColumnStretch(CHIP_COLUMNS, 1)
        self._refresh()

    def _refresh(self) -> None:
        self.setVisible(bool(self._entries) or not self.error_label.isHidden())
        self.changed.emit()

    @Slot()
    def _on_chip_remove_requested(self) -> None:
        chip = self.sender()
        key = next((k for k, e in self._entries.items() if e.chip is chip), None)
        if key is not None:
            self.remove(key)
            self.removed.emit(key)
