"""The Settings dialog: context, the default system prompt, sampling per model family, offload, threads, llama.cpp RPC workers
(only when the installed llama.cpp has RPC), reasoning panel, models folder, Hugging Face token,
theme and language, the remote servers (`ConnectionsPage`) and the local API server
(`ServerPage`).

It edits a `Settings` value and hands back a new one; applying it is the app's job. The offload
estimate is a callable from the app, so moving the slider re-plans live without the dialog
knowing about models or devices.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSlider,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from backend.chat.family import ModelFamily, default_sampling
from backend.chat.messages import Sampling
from backend.engine.rpc import parse_servers
from backend.errors import InvalidOptionError
from backend.remote.connections import Connection
from backend.settings import Language, Settings, Theme
from ui.settings.connections_page import ConnectionsPage
from ui.settings.server_page import ServerPage


@dataclass(frozen=True, slots=True)
class PlanEstimate:
    """Where a model would go, and whether that plan will likely fail to load (a warning)."""

    text: str
    warning: bool = False


# (cpu_moe_layers | None, n_ctx, kv_type) -> e.g. "GPU 22.1 GB · experts of 41 layers in RAM"
Estimate = Callable[[int | None, int, str], str | PlanEstimate]

_CONTEXTS = [2048, 4096, 8192, 16384, 32768, 65536, 131072]
_FAMILIES = [ModelFamily.R1, ModelFamily.R1_DISTILL, ModelFamily.V3, ModelFamily.V3_1,
             ModelFamily.V3_2, ModelFamily.V4, ModelFamily.OTHER]


class SettingsDialog(QDialog):
    """Signals:
        applied(object): the new `Settings` (OK or Apply).
        connections_applied(object): the edited list of `Connection`s (OK or Apply, if changed).
        cache_clear_requested(): delete every conversation's kept KV cache, now.
    """

    applied = Signal(object)
    connections_applied = Signal(object)
    cache_clear_requested = Signal()

    def __init__(self, settings: Settings, *, n_moe_layers: int = 0,
                 estimate: Estimate | None = None, connections: Sequence[Connection] = (),
                 rpc_supported: bool = False, cache_usage: Callable[[], int] | None = None,
                 automatic_cache_gib: float = 0.0, lan_address: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cache_usage = cache_usage
        self._automatic_cache_gib = automatic_cache_gib
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(640)
        self._settings = settings
        self._sampling: dict[ModelFamily, Sampling] = dict(settings.sampling)
        self._estimate = estimate
        self._n_moe = n_moe_layers
        self._rpc_supported = rpc_supported
        self._rpc_value = settings.rpc_servers
        self._connections = list(connections)
        self.tabs = tabs = QTabWidget(self)
        tabs.addTab(self._model_tab(), self.tr("Model"))
        tabs.addTab(self._chat_tab(), self.tr("Chat"))
        tabs.addTab(self._sampling_tab(), self.tr("Sampling"))
        self.connections_page = ConnectionsPage(connections, self)
        tabs.addTab(self.connections_page, self.tr("Servers"))
        self.server_page = ServerPage(settings, lan_address=lan_address, parent=self)
        tabs.addTab(self.server_page, self.tr("API server"))
        tabs.addTab(self._app_tab(), self.tr("App"))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.Apply, self)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self._on_apply)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(buttons)
        self._load(settings)
        self._update_estimate()
        self.adjustSize()

    # -- tabs -----------------------------------------------------------------------------------

    def _model_tab(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.context = QComboBox(page)
        for n in _CONTEXTS:
            self.context.addItem(self.tr("{0:,} tokens").format(n), n)
        self.kv_type = QComboBox(page)
        for value, label in (("f16", self.tr("f16 (best quality)")),
                             ("q8_0", self.tr("q8_0 (half the memory)")),
                             ("q4_0", self.tr("q4_0 (a quarter)"))):
            self.kv_type.addItem(label, value)
        form.addRow(self.tr("Context length"), self.context)
        form.addRow(self.tr("KV cache"), self.kv_type)
        form.addRow(self._cache_box(page))

        offload = QGroupBox(self.tr("Expert offload"), page)
        box = QVBoxLayout(offload)
        self.offload_auto = QRadioButton(self.tr("Automatic: plan for this machine"), offload)
        self.offload_manual = QRadioButton(self.tr("Manual"), offload)
        group = QButtonGroup(offload)
        group.addButton(self.offload_auto)
        group.addButton(self.offload_manual)
        self.offload_slider = QSlider(Qt.Orientation.Horizontal, offload)
        self.offload_slider.setRange(0, max(self._n_moe, 1))
        self.offload_slider_label = QLabel(offload)
        self.estimate_label = QLabel(offload)
        self.estimate_label.setObjectName("estimate")
        self.estimate_label.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.offload_slider, 1)
        row.addWidget(self.offload_slider_label)
        box.addWidget(self.offload_auto)
        box.addWidget(self.offload_manual)
        box.addLayout(row)
        box.addWidget(self.estimate_label)
        form.addRow(offload)

        self.threads_auto = QCheckBox(self.tr("Automatic (one per physical core)"), page)
        self.threads = QSpinBox(page)
        self.threads.setRange(1, 256)
        threads_row = QHBoxLayout()
        threads_row.addWidget(self.threads_auto)
        threads_row.addWidget(self.threads)
        form.addRow(self.tr("CPU threads"), threads_row)

        # llama.cpp RPC workers: shown only when this llama.cpp was built with -DGGML_RPC=on.
        self.rpc_servers = QLineEdit(page)
        self.rpc_servers.setPlaceholderText("192.168.1.20:50052, 192.168.1.21:50052")
        self.rpc_servers.setToolTip(self.tr(
            "Machines running llama.cpp's rpc-server that hold part of the model's layers"))
        self.rpc_error = QLabel(page)
        self.rpc_error.setObjectName("estimate")
        self.rpc_error.setWordWrap(True)
        form.addRow(self.tr("RPC workers"), self.rpc_servers)
        form.addRow(self.rpc_error)
        for field in (self.rpc_servers, self.rpc_error):
            form.setRowVisible(field, self._rpc_supported)
        self.rpc_servers.textEdited.connect(self._on_rpc_servers_edited)

        for widget in (self.offload_auto, self.offload_manual):
            widget.toggled.connect(self._on_offload_changed)
        self.offload_slider.valueChanged.connect(self._on_offload_changed)
        self.context.currentIndexChanged.connect(self._on_offload_changed)
        self.kv_type.currentIndexChanged.connect(self._on_offload_changed)
        self.threads_auto.toggled.connect(self._on_threads_auto_toggled)
        return page

    def _cache_box(self, page: QWidget) -> QGroupBox:
        box = QGroupBox(self.tr("Conversation cache"), page)
        form = QFormLayout(box)
        self.kv_snapshots = QCheckBox(
            self.tr("Keep each conversation's evaluated prompt, so reopening or continuing it "
                    "answers at once"), box)
        self.kv_snapshots.setToolTip(self.tr(
            "The model's KV cache is saved after each answer, in the cache folder. Without it, "
            "a long conversation is read again after a restart or a switch."))
        self.kv_snapshot_gib = QDoubleSpinBox(box)
        self.kv_snapshot_gib.setRange(0.0, 4096.0)
        self.kv_snapshot_gib.setDecimals(1)
        self.kv_snapshot_gib.setSingleStep(1.0)
        self.kv_snapshot_gib.setSuffix(" GiB")
        self.kv_snapshot_gib.setSpecialValueText(self.tr("Automatic ({0:.0f} GiB)").format(
            self._automatic_cache_gib))
        self.cache_used = QLabel(box)
        self.cache_used.setObjectName("estimate")
        clear = QPushButton(self.tr("Clear"), box)
        used_row = QHBoxLayout()
        used_row.addWidget(self.cache_used, 1)
        used_row.addWidget(clear)
        form.addRow(self.kv_snapshots)
        form.addRow(self.tr("Disk space"), self.kv_snapshot_gib)
        form.addRow(used_row)
        self.kv_snapshots.toggled.connect(self.kv_snapshot_gib.setEnabled)
        clear.clicked.connect(self._on_clear_cache_clicked)
        self._show_cache_usage()
        return box

    def _show_cache_usage(self) -> None:
        used = self._cache_usage() if self._cache_usage is not None else 0
        self.cache_used.setText(self.tr("In use: {0:.2f} GB").format(used / 1e9))

    def _on_clear_cache_clicked(self) -> None:
        self.cache_clear_requested.emit()
        self._show_cache_usage()

    def _chat_tab(self) -> QWidget:
        page = QWidget(self)
        box = QVBoxLayout(page)
        label = QLabel(self.tr("Default system prompt"), page)
        self.system_prompt = QPlainTextEdit(page)
        self.system_prompt.setPlaceholderText(self.tr(
            "Instructions every new conversation starts with, e.g. \"Answer in the language of "
            "the question.\" Leave empty for none."))
        hint = QLabel(self.tr(
            "A conversation can have its own: click \"System prompt\" above the chat. "
            "DeepSeek-R1 and its distills have no system role: as DeepSeek advises, the text goes "
            "at the start of the first message instead."), page)
        hint.setWordWrap(True)
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        label.setBuddy(self.system_prompt)
        box.addWidget(label)
        box.addWidget(self.system_prompt, 1)
        box.addWidget(hint)
        return page

    def _sampling_tab(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.family = QComboBox(page)
        names = {ModelFamily.R1: "DeepSeek-R1", ModelFamily.R1_DISTILL: self.tr("R1 distills"),
                 ModelFamily.V3: "DeepSeek-V3", ModelFamily.V3_1: "DeepSeek-V3.1",
                 ModelFamily.V3_2: "DeepSeek-V3.2", ModelFamily.V4: "DeepSeek-V4",
                 ModelFamily.OTHER: self.tr("Other models")}
        for family in _FAMILIES:
            self.family.addItem(names[family], family)
        self.temperature = _spin(page, 0.0, 2.0, 0.05, 2)
        self.top_p = _spin(page, 0.01, 1.0, 0.01, 2)
        self.min_p = _spin(page, 0.0, 1.0, 0.01, 2)
        self.top_k = QSpinBox(page)
        self.top_k.setRange(0, 1000)
        self.top_k.setSpecialValueText(self.tr("off"))
        self.repeat_penalty = _spin(page, 1.0, 2.0, 0.05, 2)
        self.reset_sampling = QPushButton(self.tr("Reset to recommended"), page)
        self.sampling_hint = QLabel(page)
        self.sampling_hint.setWordWrap(True)
        form.addRow(self.tr("Model family"), self.family)
        form.addRow(self.tr("Temperature"), self.temperature)
        form.addRow(self.tr("Top-p"), self.top_p)
        form.addRow(self.tr("Min-p"), self.min_p)
        form.addRow(self.tr("Top-k"), self.top_k)
        form.addRow(self.tr("Repeat penalty"), self.repeat_penalty)
        form.addRow(self.reset_sampling)
        form.addRow(self.sampling_hint)
        self._shown_family: ModelFamily | None = None
        self.family.currentIndexChanged.connect(self._on_family_changed)
        self.reset_sampling.clicked.connect(self._on_reset_sampling_clicked)
        return page

    def _app_tab(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.reasoning_expanded = QCheckBox(self.tr("Keep the reasoning panel expanded"), page)
        self.download_dir = QLineEdit(page)
        self.download_dir.setPlaceholderText(self.tr("Hugging Face cache (shared with other tools)"))
        browse = QPushButton(self.tr("Browse…"), page)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.download_dir, 1)
        folder_row.addWidget(browse)
        self.hf_token = QLineEdit(page)
        self.hf_token.setEchoMode(QLineEdit.EchoMode.Password)
        self.hf_token.setPlaceholderText(self.tr("hf_… (only for gated or private repos)"))
        self.theme = QComboBox(page)
        for value, label in ((Theme.SYSTEM, self.tr("Follow the system")),
                             (Theme.LIGHT, self.tr("Light")), (Theme.DARK, self.tr("Dark"))):
            self.theme.addItem(label, value)
        self.language = QComboBox(page)
        for language, label in ((Language.SYSTEM, self.tr("Follow the system")),
                                (Language.ENGLISH, "English"), (Language.CHINESE, "简体中文")):
            self.language.addItem(label, language)
        self.language_hint = QLabel(self.tr("Takes effect after a restart."), page)
        self.language_hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.language_hint.setWordWrap(True)
        language_box = QVBoxLayout()
        language_box.setSpacing(2)
        language_box.addWidget(self.language)
        language_box.addWidget(self.language_hint)
        form.addRow(self.reasoning_expanded)
        form.addRow(self.tr("Models folder"), folder_row)
        form.addRow(self.tr("Hugging Face token"), self.hf_token)
        form.addRow(self.tr("Theme"), self.theme)
        form.addRow(self.tr("Language"), language_box)
        browse.clicked.connect(self._on_browse_clicked)
        return page

    # -- values ---------------------------------------------------------------------------------

    def _load(self, s: Settings) -> None:
        index = self.context.findData(s.n_ctx)
        if index < 0:
            self.context.addItem(self.tr("{0:,} tokens").format(s.n_ctx), s.n_ctx)
            index = self.context.count() - 1
        self.context.setCurrentIndex(index)
        self.kv_type.setCurrentIndex(max(0, self.kv_type.findData(s.kv_type)))
        manual = s.cpu_moe_layers is not None
        self.offload_manual.setChecked(manual)
        self.offload_auto.setChecked(not manual)
        layers = s.cpu_moe_layers if s.cpu_moe_layers is not None else 0
        self.offload_slider.setValue(self._n_moe if layers < 0 else layers)
        self.threads_auto.setChecked(s.n_threads is None)
        self.threads.setValue(s.n_threads or 4)
        self.threads.setEnabled(s.n_threads is not None)
        self._on_family_changed()
        self.reasoning_expanded.setChecked(s.reasoning_expanded)
        self.download_dir.setText(s.download_dir or "")
        self.hf_token.setText(s.hf_token or "")
        self.theme.setCurrentIndex(max(0, self.theme.findData(s.theme)))
        self.language.setCurrentIndex(max(0, self.language.findData(s.language)))
        self.rpc_servers.setText(", ".join(s.rpc_servers))
        self.kv_snapshots.setChecked(s.kv_snapshots)
        self.kv_snapshot_gib.setValue(s.kv_snapshot_gib or 0.0)
        self.kv_snapshot_gib.setEnabled(s.kv_snapshots)
        self.system_prompt.setPlainText(s.system_prompt)

    def value(self) -> Settings:
        """The edited settings."""
        self._store_sampling()
        manual = self.offload_manual.isChecked()
        layers = self.offload_slider.value()
        cpu_moe = (-1 if layers >= self._n_moe > 0 else layers) if manual else None
        s = dataclasses.replace(
            self._settings,
            n_ctx=int(self.context.currentData()),
            kv_type=str(self.kv_type.currentData()),
            cpu_moe_layers=cpu_moe,
            n_threads=None if self.threads_auto.isChecked() else self.threads.value(),
            reasoning_expanded=self.reasoning_expanded.isChecked(),
            download_dir=self.download_dir.text().strip() or None,
            hf_token=self.hf_token.text().strip() or None,
            theme=self.theme.currentData(),
            language=self.language.currentData(),
            rpc_servers=self._rpc_value if self._rpc_supported else self._settings.rpc_servers,
            kv_snapshots=self.kv_snapshots.isChecked(),
            kv_snapshot_gib=max(0.5, gib) if (gib := self.kv_snapshot_gib.value()) > 0 else None,
            system_prompt=self.system_prompt.toPlainText(),
        )
        s = self.server_page.apply_to(s)
        for family in _FAMILIES:
            custom = self._sampling.get(family)
            s = s.with_sampling(family, custom if custom != default_sampling(family) else None)
        return s

    def _store_sampling(self) -> None:
        if self._shown_family is None:
            return
        self._sampling[self._shown_family] = Sampling(
            temperature=round(self.temperature.value(), 3), top_p=round(self.top_p.value(), 3),
            top_k=self.top_k.value(), min_p=round(self.min_p.value(), 3),
            repeat_penalty=round(self.repeat_penalty.value(), 3))

    def _show_sampling(self, family: ModelFamily) -> None:
        s = self._sampling.get(family) or default_sampling(family)
        self.temperature.setValue(s.temperature)
        self.top_p.setValue(s.top_p)
        self.top_k.setValue(s.top_k)
        self.min_p.setValue(s.min_p)
        self.repeat_penalty.setValue(s.repeat_penalty)
        d = default_sampling(family)
        self.sampling_hint.setText(self.tr("Recommended: temperature {0}, top-p {1}.").format(
            d.temperature, d.top_p))

    # -- slots ----------------------------------------------------------------------------------

    def _on_family_changed(self) -> None:
        self._store_sampling()
        family = self.family.currentData()
        self._shown_family = family
        self._show_sampling(family)

    def _on_reset_sampling_clicked(self) -> None:
        family = self.family.currentData()
        self._sampling.pop(family, None)
        self._show_sampling(family)

    def _on_offload_changed(self) -> None:
        manual = self.offload_manual.isChecked()
        self.offload_slider.setEnabled(manual and self._n_moe > 0)
        value = self.offload_slider.value()
        self.offload_slider_label.setText(
            self.tr("all {0} MoE layers' experts in RAM").format(self._n_moe)
            if value >= self._n_moe > 0 else
            self.tr("experts of {0} MoE layers in RAM").format(value))
        self._update_estimate()

    def _update_estimate(self) -> None:
        if self._estimate is None:
            self.estimate_label.setText(self.tr("Load a model to see where it would go."))
            return
        manual = self.offload_manual.isChecked()
        layers = self.offload_slider.value()
        cpu_moe = (-1 if layers >= self._n_moe > 0 else layers) if manual else None
        estimate = self._estimate(cpu_moe, int(self.context.currentData()),
                                  str(self.kv_type.currentData()))
        if isinstance(estimate, str):
            estimate = PlanEstimate(estimate)
        self.estimate_label.setText(estimate.text)
        self.estimate_label.setProperty("warning", estimate.warning)
        self.estimate_label.style().unpolish(self.estimate_label)
        self.estimate_label.style().polish(self.estimate_label)

    def _on_threads_auto_toggled(self, auto: bool) -> None:
        self.threads.setEnabled(not auto)

    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Models folder"),
                                                  self.download_dir.text())
        if folder:
            self.download_dir.setText(folder)

    def _on_rpc_servers_edited(self, text: str) -> None:
        try:
            self._rpc_value = parse_servers(text)
        except InvalidOptionError as exc:
            self.rpc_error.setText(str(exc))  # the last valid list is kept meanwhile
        else:
            self.rpc_error.setText("")

    def _on_apply(self) -> None:
        self._settings = self.value()
        self.applied.emit(self._settings)
        connections = self.connections_page.connections()
        if connections != self._connections:
            self._connections = connections
            self.connections_applied.emit(connections)

    def _on_buttons_accepted(self) -> None:
        self._on_apply()
        self.accept()


def _spin(parent: QWidget, low: float, high: float, step: float, decimals: int) -> QDoubleSpinBox:
    spin = QDoubleSpinBox(parent)
    spin.setRange(low, high)
    spin.setSingleStep(step)
    spin.setDecimals(decimals)
    return spin
