"""The model side of the window: installed models, loading with progress, the offload plan line,
the Deep thinking toggle's model switching, and the status-bar figures.

A load runs on the generation thread (the same thread that will generate with the model); this
controller only sends requests and shows the worker's signals. Which model answers a turn with
thinking on or off is decided by `backend.model_pairing`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QFileDialog

from app.generation_worker import GenerationThread, LoadRequest
from backend.chat import GenerationStats, Sampling
from backend.engine import LoadedModel, LoadSettings
from backend.errors import AppError
from backend.family import ThinkingMode
from backend.library import Library, LibraryModel
from backend.model_info import ModelInfo, inspect_model
from backend.model_pairing import Candidate, ToggleAction, decide
from backend.offload import Machine
from backend.settings import Settings
from backend.units import format_bytes
from ui.main_window import MainWindow
from ui.model_bar import ModelChoice

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class InstalledModel:
    key: str  # the path llama.cpp is given
    info: ModelInfo

    def candidate(self) -> Candidate:
        return Candidate(self.key, self.info.label, self.info.thinking, self.info.file_bytes)

    def choice(self) -> ModelChoice:
        label = f"{self.info.label} · {self.info.quant} · {format_bytes(self.info.file_bytes)}"
        return ModelChoice(self.key, label, str(self.info.path))


class ModelController(QObject):
    """Signals:
        loaded_changed(bool): a model is (or is no longer) ready to chat.
        download_offered(str): nothing installed can reason; open the model manager filtered by
            this family.
        settings_changed(object): new `Settings` to save (e.g. the last model).
    """

    loaded_changed = Signal(bool)
    download_offered = Signal(str)
    settings_changed = Signal(object)

    def __init__(self, window: MainWindow, generation: GenerationThread, settings: Settings,
                 library: Library | None = None) -> None:
        super().__init__()
        self.window = window
        self.generation = generation
        self.settings = settings
        self.library = library or Library()
        self.installed: list[InstalledModel] = []
        self.loaded: LoadedModel | None = None
        self.loading: InstalledModel | None = None
        self._info_cache: dict[tuple[str, float], ModelInfo] = {}
        self._machine: Machine | None = None
        worker = generation.worker
        worker.load_progress.connect(self._on_worker_load_progress)
        worker.loaded.connect(self._on_worker_loaded)
        worker.load_failed.connect(self._on_worker_load_failed)
        worker.load_cancelled.connect(self._on_worker_load_cancelled)
        worker.unloaded.connect(self._on_worker_unloaded)
        bar = window.model_bar
        bar.model_chosen.connect(self._on_bar_model_chosen)
        bar.cancel_load_requested.connect(self._on_bar_cancel_load_requested)
        bar.open_file_requested.connect(self._on_bar_open_file_requested)
        window.open_model_action.triggered.connect(self._on_bar_open_file_requested)
        window.unload_action.triggered.connect(self._on_window_unload_triggered)
        window.composer.deep_thinking_toggled.connect(self._on_composer_deep_thinking_toggled)
        self._update_ready()

    # -- the installed models -----------------------------------------------------------------

    def refresh(self) -> None:
        """Re-scan the library (after a download, a deletion, a new folder)."""
        found = []
        try:
            models = self.library.models()
        except (AppError, OSError) as exc:
            log.warning("could not list installed models: %s", exc)
            models = []
        for model in models:
            if not model.loadable:
                continue
            try:
                found.append(InstalledModel(str(model.path), self._inspect(model.path)))
            except AppError as exc:
                log.info("skipping %s: %s", model.path.name, exc)
        self.installed = found
        self._show_choices()
        self._update_ready()

    def _inspect(self, path: Path) -> ModelInfo:
        """The model's header facts (cached per file version); raises `AppError` if unusable."""
        try:
            key = (str(path), path.stat().st_mtime)
        except OSError:
            return inspect_model(path)  # explains the missing file
        if key not in self._info_cache:
            self._info_cache[key] = inspect_model(path)
        return self._info_cache[key]

    def _show_choices(self) -> None:
        current = self.loaded_model()
        choices = [m.choice() for m in self.installed]
        if current and all(c.key != current.key for c in choices):  # opened from a file
            choices.append(current.choice())
        self.window.model_bar.set_models(choices, current.key if current else None)

    def library_model(self, key: str) -> LibraryModel | None:
        return next((m for m in self.library.models() if str(m.path) == key), None)

    # -- loading ------------------------------------------------------------------------------

    def load(self, key: str) -> None:
        """Load the model at `key` (a path), replacing the current one."""
        try:
            info = self._inspect(Path(key))
        except AppError as exc:
            self.window.model_bar.show_message(str(exc), error=True)
            return
        model = InstalledModel(key, info)
        self.loading = model
        self.loaded = None
        self._update_ready()
        self.window.model_bar.show_loading(info.label, 0.0)
        s = self.settings
        self.generation.load(LoadRequest(
            Path(key),
            LoadSettings(n_ctx=s.n_ctx, kv_type=s.kv_type, cpu_moe_layers=s.cpu_moe_layers,
                         n_threads=s.n_threads),
            machine=self.machine(),
        ))

    def restore(self, requested: str | None) -> None:
        """On launch: load `--model PATH`, else the last model used, if it is still there."""
        self.refresh()
        key = requested or self.settings.last_model
        if key and Path(key).exists():
            self.load(str(Path(key).resolve()) if requested else key)
        elif requested:
            self.window.model_bar.show_message(
                self.tr("{0} does not exist.").format(requested), error=True)

    @Slot(float)
    def _on_worker_load_progress(self, fraction: float) -> None:
        if self.loading is not None:
            self.window.model_bar.show_loading(self.loading.info.label, fraction)

    @Slot(object)
    def _on_worker_loaded(self, loaded: LoadedModel) -> None:
        self.loaded = loaded
        self.loading = None
        plan = loaded.plan
        detail = "\n".join([str(loaded.info.path), *plan.notes])
        self.window.model_bar.show_loaded(f"{loaded.info.label} · {plan.summary()}", detail)
        self._show_choices()
        self._update_ready()
        if self.settings.last_model != str(loaded.info.path):
            self.settings = replace(self.settings, last_model=str(loaded.info.path))
            self.settings_changed.emit(self.settings)

    @Slot(str)
    def _on_worker_load_failed(self, message: str) -> None:
        self.loading = None
        self.window.model_bar.show_message(message, error=True)
        self._update_ready()

    @Slot()
    def _on_worker_load_cancelled(self) -> None:
        self.loading = None
        self.window.model_bar.show_message(self.tr("Loading cancelled."))
        self._update_ready()

    @Slot()
    def _on_worker_unloaded(self) -> None:
        if self.loading is None:
            self.loaded = None
            self.window.model_bar.show_message(self.tr("No model loaded."))
            self._update_ready()

    @Slot(str)
    def _on_bar_model_chosen(self, key: str) -> None:
        if not self.loaded or str(self.loaded.info.path) != key:
            self.load(key)

    @Slot()
    def _on_bar_cancel_load_requested(self) -> None:
        self.generation.worker.cancel_load()

    @Slot()
    def _on_window_unload_triggered(self) -> None:
        self.generation.unload()

    @Slot()
    def _on_bar_open_file_requested(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.window, self.tr("Open a GGUF model"), str(Path.home()),
            self.tr("GGUF models (*.gguf);;All files (*)"))
        if path:
            self.open_file(path)

    def open_file(self, path: str) -> None:
        """Check a file from disk and load it; bad files are explained, not loaded."""
        self.load(str(Path(path).resolve()))

    # -- the Deep thinking toggle ---------------------------------------------------------------

    @Slot(bool)
    def _on_composer_deep_thinking_toggled(self, on: bool) -> None:
        current = self.loaded_model()
        decision = decide(current.candidate() if current else None,
                          [m.candidate() for m in self.installed], on)
        if decision.action is ToggleAction.SWITCH and decision.target is not None:
            self.load(decision.target.key)
        elif decision.action is ToggleAction.OFFER_DOWNLOAD:
            self.window.composer.set_deep_thinking(False)
            self.download_offered.emit("deepseek-r1")

    def machine(self) -> Machine:
        """This machine as the planner sees it, probed once, before the first model takes VRAM."""
        if self._machine is None:
            from backend import devices

            self._machine = devices.probe().machine()
        return self._machine

    def loaded_model(self) -> InstalledModel | None:
        if self.loaded is None:
            return None
        return InstalledModel(str(self.loaded.info.path), self.loaded.info)

    # -- what the chat asks -------------------------------------------------------------------

    def ready(self) -> bool:
        return self.loaded is not None

    def explain_not_ready(self) -> None:
        if self.loading is None:
            self.window.model_bar.show_message(
                self.tr("Choose a model first: pick one above, open a GGUF file, or download one "
                        "from Models…"), error=True)

    def current_label(self) -> str | None:
        return self.loaded.info.label if self.loaded else None

    def thinking_flag(self, toggle: bool) -> bool:
        """The deep-thinking flag for this turn: what the loaded model can do with the toggle."""
        if self.loaded is None:
            return toggle
        # R1 with the toggle off answers directly (an empty think block); V3 never thinks.
        return toggle and self.loaded.info.thinking is not ThinkingMode.NEVER

    def default_deep_thinking(self) -> bool:
        return bool(self.loaded and self.loaded.info.thinking is ThinkingMode.ALWAYS)

    def sampling(self) -> Sampling | None:
        if self.loaded is None:
            return None
        return self.settings.sampling_for(self.loaded.info.family.family)

    def show_stats(self, stats: GenerationStats) -> None:
        n_ctx = self.loaded.n_ctx if self.loaded else 0
        used = stats.prompt_tokens + stats.completion_tokens
        self.window.set_stats(
            self.tr("{0:.1f} tok/s").format(stats.decode_tps),
            self.tr("first token {0:.2f} s").format(stats.ttft_s),
            self.tr("context {0:,} / {1:,}").format(used, n_ctx),
        )

    def _update_ready(self) -> None:
        ready = self.loaded is not None
        reason = (self.tr("Loading the model…") if self.loading
                  else self.tr("Choose a model to start chatting"))
        self.window.composer.set_ready(ready, "" if ready else reason)
        nothing = not (ready or self.installed or self.loading)
        self.window.empty_state.show_welcome(nothing)
        if not nothing:
            self.window.empty_state.set_hint("" if ready else reason)
        self.loaded_changed.emit(ready)
