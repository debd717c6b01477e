"""The model side of the window: installed models, loading with progress, the offload plan line,
the Deep thinking toggle's model switching, and the status-bar figures.

A load runs on the generation thread (the same thread that will generate with the model); this
controller only sends requests and shows the worker's signals. Which model answers a turn with
thinking on or off is decided by `backend.chat.pairing`.

Remote connections (OpenAI-compatible servers) sit in the same picker. Choosing one makes it the
engine (`engine()`) that answers: it needs no load, the local model stays loaded meanwhile, and
the Deep thinking toggle follows the connection's `ThinkingControl`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QFileDialog

from app.gui.generation_worker import GenerationThread, LoadRequest
from backend.chat.events import GenerationStats
from backend.chat.family import FamilyInfo, ThinkingMode
from backend.chat.messages import LOCAL_ENGINE, EngineRef, Sampling
from backend.chat.pairing import Candidate, ToggleAction, decide
from backend.engine.local_engine import LoadedModel, LoadSettings
from backend.engine.offload import Machine
from backend.engine.preflight import inspect_loadable
from backend.errors import AppError
from backend.gguf.model_info import ModelInfo
from backend.hub.library import Library, LibraryModel
from backend.remote.connections import Connection, ThinkingControl
from backend.remote.remote_engine import RemoteEngine
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
        engine_changed(object): the user chose another engine (an `EngineRef`) for the open
            conversation.
    """

    loaded_changed = Signal(bool)
    download_offered = Signal(str)
    settings_changed = Signal(object)
    engine_changed = Signal(object)

    def __init__(self, window: MainWindow, generation: GenerationThread, settings: Settings,
                 library: Library, connections: Sequence[Connection] = ()) -> None:
        super().__init__()
        self.window = window
        self.generation = generation
        self.settings = settings
        self.library = library
        self.installed: list[InstalledModel] = []
        self.loaded: LoadedModel | None = None
        self.loading: InstalledModel | None = None
        self._info_cache: dict[tuple[str, float], ModelInfo] = {}
        self._machine: Machine | None = None
        self._load_fraction = 0.0
        self.connections: list[Connection] = []
        self.remote: Connection | None = None  # the connection answering; None: the local model
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
        self.set_connections(connections)

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
            return inspect_loadable(path)  # explains the missing file
        if key not in self._info_cache:
            self._info_cache[key] = inspect_loadable(path)
        return self._info_cache[key]

    def _show_choices(self) -> None:
        current = self.loaded_model()
        choices = [m.choice() for m in self.installed]
        if current and all(c.key != current.key for c in choices):  # opened from a file
            choices.append(current.choice())
        choices += [ModelChoice(str(c.engine), f"☁ {c.label}", c.endpoint.url())
                    for c in self.connections]
        # The picker names the model that answers (or is loading), never one merely installed.
        key = (str(self.remote.engine) if self.remote else current.key if current
               else self.loading.key if self.loading else None)
        self.window.model_bar.set_models(choices, key)

    # -- remote connections ---------------------------------------------------------------------

    def set_connections(self, connections: Sequence[Connection]) -> None:
        """The configured servers (at start, and after Settings); the worker gets their engines."""
        self.connections = list(connections)
        self.generation.worker.set_engines({c.engine: RemoteEngine(c) for c in connections})
        if self.remote is not None:
            edited = self.connection(self.remote.engine)
            self._select(edited)
            if edited is None:  # removed while in use
                self.engine_changed.emit(LOCAL_ENGINE)
        else:
            self._show_choices()
            self._update_ready()

    def connection(self, engine: EngineRef) -> Connection | None:
        return next((c for c in self.connections if c.engine == engine), None)

    def engine(self) -> EngineRef:
        """Which engine answers now: the local model or a connection."""
        return self.remote.engine if self.remote is not None else LOCAL_ENGINE

    def use_engine(self, engine: EngineRef) -> None:
        """Answer with `engine` (a conversation was opened). A connection removed since then
        leaves the local model in charge, with a note."""
        connection = self.connection(engine)
        self._select(connection)
        if connection is None and not engine.is_local:
            self.window.model_bar.show_message(self.tr(
                "The server connection this conversation used was removed; the local model "
                "answers it now."))

    def _select(self, connection: Connection | None) -> None:
        self.remote = connection
        bar = self.window.model_bar
        if connection is not None:
            bar.show_loaded(f"☁ {connection.label}", connection.endpoint.url())
        elif self.loading is not None:
            bar.show_loading(self.loading.info.label, self._load_fraction)
        elif self.loaded is not None:
            bar.show_loaded(*_loaded_status(self.loaded))
        else:
            bar.show_message("" if not self.installed else self.tr("No model loaded."))
        self._show_choices()
        self._update_ready()

    def library_model(self, key: str) -> LibraryModel | None:
        return next((m for m in self.library.models() if str(m.path) == key), None)

    def installed_keys(self) -> dict[tuple[str, str], str]:
        """The hub models installed here and loadable: (repo, quant) → the key to load."""
        keys = {m.key for m in self.installed}
        try:
            models = self.library.models()
        except (AppError, OSError) as exc:
            log.warning("could not list installed models: %s", exc)
            return {}
        return {(m.repo, m.quant): str(m.path) for m in models
                if m.repo and m.quant and str(m.path) in keys}

    def loaded_key(self) -> str | None:
        """The local model loaded now, or being loaded."""
        model = self.loaded_model() or self.loading
        return model.key if model else None

    def load_downloaded(self, path: str) -> None:
        """A download finished: re-scan, and load it if nothing answers or loads yet."""
        self.refresh()
        if self.ready() or self.loading is not None:
            return
        target = Path(path).resolve()
        key = next((m.key for m in self.installed if Path(m.key).resolve() == target), path)
        self.load(key)

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
        self._load_fraction = 0.0
        self._show_choices()
        self._update_ready()
        if self.remote is None:  # with a server answering, the local model loads quietly
            self.window.model_bar.show_loading(info.label, 0.0)
        s = self.settings
        self.generation.load(LoadRequest(
            Path(key),
            LoadSettings(n_ctx=s.n_ctx, kv_type=s.kv_type, cpu_moe_layers=s.cpu_moe_layers,
                         n_threads=s.n_threads, rpc_servers=s.rpc_servers),
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
        self._load_fraction = fraction
        if self.loading is not None and self.remote is None:
            self.window.model_bar.show_loading(self.loading.info.label, fraction)

    @Slot(object)
    def _on_worker_loaded(self, loaded: LoadedModel) -> None:
        self.loaded = loaded
        self.loading = None
        if self.remote is None:
            self.window.model_bar.show_loaded(*_loaded_status(loaded))
        self._show_choices()
        self._update_ready()
        if self.settings.last_model != str(loaded.info.path):
            self.settings = replace(self.settings, last_model=str(loaded.info.path))
            self.settings_changed.emit(self.settings)

    @Slot(str)
    def _on_worker_load_failed(self, message: str) -> None:
        self.loading = None
        self.window.model_bar.show_message(message, error=True)
        self._show_choices()
        self._update_ready()

    @Slot()
    def _on_worker_load_cancelled(self) -> None:
        self.loading = None
        self.window.model_bar.show_message(self.tr("Loading cancelled."))
        self._show_choices()
        self._update_ready()

    @Slot()
    def _on_worker_unloaded(self) -> None:
        if self.loading is None:
            self.loaded = None
            if self.remote is None:
                self.window.model_bar.show_message(self.tr("No model loaded."))
            self._show_choices()
            self._update_ready()

    @Slot(str)
    def _on_bar_model_chosen(self, key: str) -> None:
        self.choose(key)

    def choose(self, key: str) -> None:
        """The user chose `key` (in the picker or the model manager): a connection, or a local
        model to load unless it is loaded."""
        connection = self.connection(EngineRef.parse(key))
        if connection is not None or self.remote is not None:
            if connection != self.remote:
                self._select(connection)
                self.engine_changed.emit(self.engine())
                if connection is not None and connection.thinking in (ThinkingControl.ALWAYS,
                                                                      ThinkingControl.NEVER):
                    self.window.composer.set_deep_thinking(
                        connection.thinking is ThinkingControl.ALWAYS)  # what it will do
            if connection is not None:
                return
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
        if self.remote is not None:  # opening a model means chatting with it
            self._select(None)
            self.engine_changed.emit(LOCAL_ENGINE)
        self.load(str(Path(path).resolve()))

    # -- the Deep thinking toggle ---------------------------------------------------------------

    @Slot(bool)
    def _on_composer_deep_thinking_toggled(self, on: bool) -> None:
        if self.remote is not None:
            self._remote_thinking_toggled(self.remote, on)
            return
        current = self.loaded_model()
        decision = decide(current.candidate() if current else None,
                          [m.candidate() for m in self.installed], on)
        if decision.action is ToggleAction.SWITCH and decision.target is not None:
            self.load(decision.target.key)
        elif decision.action is ToggleAction.OFFER_DOWNLOAD:
            self.window.composer.set_deep_thinking(False)
            self.download_offered.emit("deepseek-r1")

    def _remote_thinking_toggled(self, connection: Connection, on: bool) -> None:
        """A server with no thinking switch keeps the toggle where its model is."""
        fixed = {ThinkingControl.ALWAYS: True, ThinkingControl.NEVER: False}.get(
            connection.thinking)
        if fixed is None or fixed == on:
            return
        self.window.composer.set_deep_thinking(fixed)
        self.window.model_bar.show_message(
            self.tr("{0} always reasons before answering.").format(connection.label) if fixed
            else self.tr("{0} cannot reason step by step.").format(connection.label))

    def machine(self) -> Machine:
        """This machine as the planner sees it, probed once, before the first model takes VRAM."""
        if self._machine is None:
            from backend.engine import devices

            self._machine = devices.probe().machine()
        return self._machine

    def loaded_model(self) -> InstalledModel | None:
        if self.loaded is None:
            return None
        return InstalledModel(str(self.loaded.info.path), self.loaded.info)

    # -- what the chat asks -------------------------------------------------------------------

    def ready(self) -> bool:
        return self.remote is not None or self.loaded is not None

    def explain_not_ready(self) -> None:
        if self.loading is None:
            self.window.model_bar.show_message(
                self.tr("Choose a model first: pick one above, open a GGUF file, or download one "
                        "from Models…"), error=True)

    def current_label(self) -> str | None:
        if self.remote is not None:
            thinking = self.thinking_flag(self.window.composer.deep_thinking.isChecked())
            return f"{self.remote.name} · {self.remote.model_for(thinking)}"
        return self.loaded.info.label if self.loaded else None

    def thinking_flag(self, toggle: bool) -> bool:
        """The deep-thinking flag for this turn: what the model can do with the toggle."""
        if self.remote is not None:
            mode = self.remote.thinking
            return mode is ThinkingControl.ALWAYS or (toggle and mode is not ThinkingControl.NEVER)
        if self.loaded is None:
            return toggle
        # R1 with the toggle off answers directly (an empty think block); V3 never thinks.
        return toggle and self.loaded.info.thinking is not ThinkingMode.NEVER

    def effort_levels(self) -> tuple[str, ...]:
        """The reasoning efforts the answering model (or server) knows; () for most models."""
        if self.remote is not None:
            return self.remote.effort_levels
        return self.loaded.info.family.effort_levels if self.loaded else ()

    def reasoning_effort(self, choice: str | None, thinking: bool) -> str | None:
        """The effort to ask for this turn: the conversation's choice, if the model knows it and
        thinks."""
        return choice if thinking and choice in self.effort_levels() else None

    def default_deep_thinking(self) -> bool:
        if self.remote is not None:
            return self.remote.thinking is ThinkingControl.ALWAYS
        return bool(self.loaded and self.loaded.info.thinking is ThinkingMode.ALWAYS)

    def sampling(self) -> Sampling | None:
        if self.loaded is None or self.remote is not None:  # a server uses its own defaults
            return None
        return self.settings.sampling_for(self.loaded.info.family.family)

    def context_size(self) -> int | None:
        """The loaded model's context, when it answers (a server's is not known)."""
        return self.loaded.n_ctx if self.loaded is not None and self.remote is None else None

    def can_count_tokens(self) -> bool:
        """Whether attachments can be counted with the model that answers."""
        return self.loaded is not None and self.remote is None

    def family(self) -> FamilyInfo | None:
        """The family of the local model that answers (None: none, or a server answers)."""
        return self.loaded.info.family if self.loaded is not None and self.remote is None else None

    def default_system_prompt(self) -> str:
        return self.settings.system_prompt

    def show_stats(self, stats: GenerationStats) -> None:
        n_ctx = self.loaded.n_ctx if self.loaded else 0
        used = stats.prompt_tokens + stats.completion_tokens
        if self.remote is not None:  # the server's context size is not known here
            context = self.tr("context {0:,}").format(used) if stats.prompt_tokens else ""
        else:
            context = self.tr("context {0:,} / {1:,}").format(used, n_ctx)
        self.window.set_stats(
            self.tr("{0:.1f} tok/s").format(stats.decode_tps),
            self.tr("first token {0:.2f} s").format(stats.ttft_s),
            context,
        )

    def _update_ready(self) -> None:
        ready = self.ready()
        self.window.composer.set_effort_levels(self.effort_levels())
        reason = (self.tr("Loading the model…") if self.loading
                  else self.tr("Choose a model to start chatting"))
        self.window.composer.set_ready(ready, "" if ready else reason)
        nothing = not (ready or self.installed or self.loading)
        self.window.empty_state.show_welcome(nothing)
        if not nothing:
            self.window.empty_state.set_hint("" if ready else reason)
        self.loaded_changed.emit(ready)


def _loaded_status(loaded: LoadedModel) -> tuple[str, str]:
    """The model bar's line for a loaded model, and its tooltip."""
    plan = loaded.plan
    return (f"{loaded.info.label} · {plan.summary()}",
            "\n".join([str(loaded.info.path), *plan.notes]))
