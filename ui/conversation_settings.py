"""A conversation's own settings: its system prompt (or the default from Settings) and its sampler
settings (or the ones recommended for the model's family). It hands back new values; saving
them is the app's job."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from backend.chat.messages import Sampling


class ConversationSettingsDialog(QDialog):
    """`system_prompt`: the conversation's own (None: it follows `default_prompt`). `sampling`:
    its own (None: it follows `recommended`, described by `recommended_label`). `fold_note`:
    shown when the model has no system role (the text goes into the first message).

    Signals:
        applied(object, object): the new system prompt (str, or None for the default) and
            sampling (`Sampling`, or None for the recommended settings).
    """

    applied = Signal(object, object)

    def __init__(self, *, system_prompt: str | None, default_prompt: str, fold_note: str,
                 sampling: Sampling | None, recommended: Sampling | None,
                 recommended_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Conversation settings"))
        self.setMinimumWidth(520)
        self._recommended = recommended or Sampling()

        prompt_box = QGroupBox(self.tr("System prompt"), self)
        self.use_default = QRadioButton(self.tr("The default from Settings"), prompt_box)
        self.use_own = QRadioButton(self.tr("This conversation's own:"), prompt_box)
        group = QButtonGroup(prompt_box)
        group.addButton(self.use_default)
        group.addButton(self.use_own)
        self.default_preview = QLabel(prompt_box)
        self.default_preview.setWordWrap(True)
        self.default_preview.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.default_preview.setText(default_prompt.strip() or self.tr(
            "(none: set one in Settings → Chat)"))
        self.prompt = QPlainTextEdit(prompt_box)
        self.prompt.setPlaceholderText(self.tr("Instructions for the model, e.g. \"Answer in "
                                               "French.\" Leave empty for none."))
        self.prompt.setFixedHeight(110)
        self.fold_note = QLabel(fold_note, prompt_box)
        self.fold_note.setWordWrap(True)
        self.fold_note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.fold_note.setVisible(bool(fold_note))
        box = QVBoxLayout(prompt_box)
        box.addWidget(self.use_default)
        box.addWidget(self.default_preview)
        box.addWidget(self.use_own)
        box.addWidget(self.prompt)
        box.addWidget(self.fold_note)

        sampling_box = QGroupBox(self.tr("Sampling"), self)
        self.use_recommended = QCheckBox(recommended_label, sampling_box)
        self.temperature = _spin(sampling_box, 0.0, 2.0, 0.05)
        self.top_p = _spin(sampling_box, 0.01, 1.0, 0.01)
        self.min_p = _spin(sampling_box, 0.0, 1.0, 0.01)
        self.top_k = QSpinBox(sampling_box)
        self.top_k.setRange(0, 1000)
        self.top_k.setSpecialValueText(self.tr("off"))
        self.repeat_penalty = _spin(sampling_box, 1.0, 2.0, 0.05)
        form = QFormLayout(sampling_box)
        form.addRow(self.use_recommended)
        form.addRow(self.tr("Temperature"), self.temperature)
        form.addRow(self.tr("Top-p"), self.top_p)
        form.addRow(self.tr("Min-p"), self.min_p)
        form.addRow(self.tr("Top-k"), self.top_k)
        form.addRow(self.tr("Repeat penalty"), self.repeat_penalty)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(prompt_box)
        layout.addWidget(sampling_box)
        layout.addWidget(buttons)

        self.use_own.setChecked(system_prompt is not None)
        self.use_default.setChecked(system_prompt is None)
        self.prompt.setPlainText(system_prompt or "")
        self.use_recommended.setChecked(sampling is None)
        self._show_sampling(sampling or self._recommended)
        self.use_own.toggled.connect(self._on_use_own_toggled)
        self.use_recommended.toggled.connect(self._on_use_recommended_toggled)
        self._on_use_own_toggled(self.use_own.isChecked())
        self._on_use_recommended_toggled(self.use_recommended.isChecked())

    def values(self) -> tuple[str | None, Sampling | None]:
        """The system prompt (None: the default) and sampling (None: the recommended)."""
        prompt = self.prompt.toPlainText() if self.use_own.isChecked() else None
        if self.use_recommended.isChecked():
            return prompt, None
        return prompt, Sampling(
            temperature=round(self.temperature.value(), 3), top_p=round(self.top_p.value(), 3),
            top_k=self.top_k.value(), min_p=round(self.min_p.value(), 3),
            repeat_penalty=round(self.repeat_penalty.value(), 3))

    def _show_sampling(self, s: Sampling) -> None:
        self.temperature.setValue(s.temperature)
        self.top_p.setValue(s.top_p)
        self.top_k.setValue(s.top_k)
        self.min_p.setValue(s.min_p)
        self.repeat_penalty.setValue(s.repeat_penalty)

    @Slot(bool)
    def _on_use_own_toggled(self, own: bool) -> None:
        self.prompt.setEnabled(own)
        self.default_preview.setEnabled(not own)

    @Slot(bool)
    def _on_use_recommended_toggled(self, recommended: bool) -> None:
        if recommended:
            self._show_sampling(self._recommended)
        for spin in (self.temperature, self.top_p, self.top_k, self.min_p, self.repeat_penalty):
            spin.setEnabled(not recommended)

    @Slot()
    def _on_buttons_accepted(self) -> None:
        self.applied.emit(*self.values())
        self.accept()


def _spin(parent: QWidget, low: float, high: float, step: float) -> QDoubleSpinBox:
    spin = QDoubleSpinBox(parent)
    spin.setRange(low, high)
    spin.setSingleStep(step)
    spin.setDecimals(2)
    return spin
