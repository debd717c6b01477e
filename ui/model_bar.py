"""The header above the chat: the model picker, load progress, and the offload plan in one line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStyledItemDelegate,
    QToolButton,
    QWidget,
)

_KEY = Qt.ItemDataRole.UserRole


@dataclass(frozen=True, slots=True)
class ModelChoice:
    key: str  # what the app loads (a path)
    label: str  # e.g. "DeepSeek-R1 · UD-IQ1_S · 140 GB"
    detail: str = ""  # tooltip


class ModelBar(QFrame):
    """Signals:
        model_chosen(str): the user picked a model (its key).
        cancel_load_requested(): stop the load in progress.
        manage_models_requested(): open the model manager.
        open_file_requested(): choose a GGUF file on disk.
    """

    model_chosen = Signal(str)
    cancel_load_requested = Signal()
    manage_models_requested = Signal()
    open_file_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelBar")
        self.picker = QComboBox(self)
        self.picker.setObjectName("modelPicker")
        self.picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.picker.setMinimumWidth(220)
        # Shown while no model answers: an installed model is never shown as if chosen.
        self.picker.setPlaceholderText(self.tr("Choose a model"))
        # A list view item delegate, not the default menu-like one: that one paints the current
        # item with the picker's own stylesheet background and the highlight's text colour, so
        # on X11 the list opened as an empty white box. This one follows the ::item rules.
        self.picker.setItemDelegate(QStyledItemDelegate(self.picker))
        self.open_file = QToolButton(self)
        self.open_file.setText(self.tr("Open file…"))
        self.open_file.setToolTip(self.tr("Load a GGUF model file from disk"))
        self.manage = QToolButton(self)
        self.manage.setText(self.tr("Models…"))
        self.manage.setToolTip(self.tr("Download DeepSeek models and manage installed ones"))
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setFixedWidth(140)
        self.progress.setFixedHeight(6)
        self.cancel = QPushButton(self.tr("Cancel"), self)
        self.status = QLabel(self)
        self.status.setObjectName("planLine")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.setSpacing(10)
        layout.addWidget(self.picker)
        layout.addWidget(self.progress)
        layout.addWidget(self.cancel)
        layout.addWidget(self.status, 1)
        layout.addWidget(self.open_file)
        layout.addWidget(self.manage)
        self._set_loading(False)
        self.picker.activated.connect(self._on_picker_activated)
        self.cancel.clicked.connect(self.cancel_load_requested)
        self.manage.clicked.connect(self.manage_models_requested)
        self.open_file.clicked.connect(self.open_file_requested)

    def set_models(self, choices: Sequence[ModelChoice], current: str | None) -> None:
        """The models to choose from; `current` is the one answering (or loading), None: none,
        and the picker then says "Choose a model" instead of naming one."""
        blocked = self.picker.blockSignals(True)
        self.picker.clear()
        if not choices:
            self.picker.addItem(self.tr("No model installed"), "")
        for choice in choices:
            self.picker.addItem(choice.label, choice.key)
            self.picker.setItemData(self.picker.count() - 1, choice.detail, Qt.ItemDataRole.ToolTipRole)
        index = self.picker.findData(current) if current else -1
        if current and index < 0:  # a file opened from disk, not in the library
            self.picker.addItem(current.rsplit("/", 1)[-1], current)
            index = self.picker.count() - 1
        self.picker.setCurrentIndex(index if choices or current else 0)
        self.picker.blockSignals(blocked)

    def current_key(self) -> str:
        return str(self.picker.currentData() or "")

    def show_loading(self, label: str, fraction: float) -> None:
        self._set_loading(True)
        self.progress.setValue(int(fraction * 1000))
        self.status.setText(self.tr("Loading {0}… {1:.0%}").format(label, fraction))

    def show_loaded(self, summary: str, detail: str = "") -> None:
        self._set_loading(False)
        self.status.setText(summary)
        self.status.setToolTip(detail)
        self.status.setProperty("error", False)

    def show_message(self, text: str, *, error: bool = False) -> None:
        self._set_loading(False)
        self.status.setText(text)
        self.status.setToolTip(text)
        self.status.setProperty("error", error)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def _set_loading(self, loading: bool) -> None:
        self.progress.setVisible(loading)
        self.cancel.setVisible(loading)
        self.picker.setEnabled(not loading)
        self.open_file.setEnabled(not loading)

    def _on_picker_activated(self, index: int) -> None:
        key = self.picker.itemData(index)
        if key:
            self.model_chosen.emit(str(key))
