"""The API server inside the app: started and stopped from Settings → API server (and again at the
next launch if it was on), serving the model loaded in the window, shown in the status bar.

The server (`backend.serve`, uvicorn on its own thread) never touches the engine: its requests
become jobs that `GenerationThread.serve` queues on the generation worker, in turn with the
window's answers. What it serves follows the window: loading a model makes requests get 503
until it is ready, then /v1/models names the new one; with nothing loaded requests get a clear
503. The status bar shows the URL with a Copy button, and "Serving a request…" while one runs
(the job queue reports from the server's or the worker's thread; a queued signal brings it
here). With "Save the server's chats" on, each answer given in full is filed as a conversation
(`backend.store.server_chats`), here on the GUI thread, which owns the store.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QMessageBox

from app.gui.generation_worker import GenerationThread
from app.gui.model_controller import ModelController
from backend.errors import AppError
from backend.serve.api_server import (
    ALL_INTERFACES,
    LOCAL_HOST,
    ApiServer,
    ServeOptions,
    lan_address,
)
from backend.serve.engine_queue import Answered, EngineQueue
from backend.serve.served_model import ModelBoard, ServedModel
from backend.settings import Settings
from backend.store.conversations import ConversationStore
from backend.store.server_chats import ServedExchange, save_exchange
from ui.main_window import MainWindow

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, repr=False)
class _Listening:
    """The settings a running server was started with (a change restarts it)."""

    port: int
    api_key: str | None
    lan: bool
    cors_origins: tuple[str, ...]

    @classmethod
    def of(cls, s: Settings) -> _Listening:
        return cls(s.server_port, s.server_api_key, s.server_lan and bool(s.server_api_key),
                   s.server_cors_origins)


class ServerController(QObject):
    """Signals:
        chat_saved(str): a server chat was saved into this conversation.
        _activity(int) (internal): server requests running or waiting (any thread).
        _answered(Answered) (internal): a request was answered in full (the engine's thread).
    """

    chat_saved = Signal(str)
    _activity = Signal(int)
    _answered = Signal(object)

    def __init__(self, window: MainWindow, generation: GenerationThread,
                 models: ModelController, settings: Settings,
                 store: ConversationStore) -> None:
        super().__init__()
        self.window = window
        self.store = store
        self.generation = generation
        self.models = models
        self.settings = settings
        self.board = ModelBoard()
        self.server: ApiServer | None = None
        self.error: str | None = None  # why the server is not running although it is on
        self._listening: _Listening | None = None
        self._activity.connect(self._on_activity)
        self._answered.connect(self._on_answered)
        models.loaded_changed.connect(self._on_models_loaded_changed)
        self._refresh_board()

    def url(self) -> str | None:
        return self.server.url() if self.server is not None else None

    def apply(self, settings: Settings, *, interactive: bool = False) -> None:
        """Start, stop or restart the server as `settings` say (at launch, and after Settings).
        `interactive`: a server that cannot start says why in a dialog too."""
        self.settings = settings
        self._refresh_board()  # the sampling defaults may have changed
        wanted = _Listening.of(settings) if settings.server_enabled else None
        if wanted == self._listening and (wanted is None or self.server is not None):
            return
        self.stop()
        if wanted is None:
            self.error = None
            self.window.server_status.show_off()
            return
        host = ALL_INTERFACES if wanted.lan else LOCAL_HOST
        try:
            options = ServeOptions(host=host, port=wanted.port, api_key=wanted.api_key,
                                   cors_origins=wanted.cors_origins)
            server = ApiServer(options, EngineQueue(self.generation.serve,
                                                    max_waiting=options.max_waiting,
                                                    on_change=self._activity.emit,
                                                    on_answered=self._answered.emit), self.board)
            server.start()
        except AppError as exc:
            self.error = str(exc)
            log.warning("API server not started: %s", exc)
            self.window.server_status.show_error(self.error)
            if interactive:
                QMessageBox.warning(self.window, self.tr("API server not started"), self.error)
            return
        self.server, self._listening, self.error = server, wanted, None
        tooltip = ""
        if wanted.lan and (address := lan_address()) is not None:
            tooltip = self.tr("Other devices on the network: {0}").format(server.url(address))
        self.window.server_status.show_running(server.url(), tooltip)

    def stop(self) -> None:
        """Stop listening; running and waiting requests are cancelled."""
        if self.server is not None:
            self.server.stop()
            self.server = None
        self._listening = None
        self.window.server_status.set_activity(0)

    def shutdown(self) -> None:
        self.stop()

    # -- what is served ---------------------------------------------------------------------

    @Slot(bool)
    def _on_models_loaded_changed(self, _ready: bool) -> None:
        self._refresh_board()

    def _refresh_board(self) -> None:
        models = self.models
        if models.loading is not None:
            self.board.loading(models.loading.info.label)
            return
        loaded = models.loaded
        if loaded is None:
            self.board.empty()
            return
        info = loaded.info
        served = ServedModel(info.label, info.label, info.thinking,
                             self.settings.sampling_for(info.family.family), loaded.n_ctx,
                             info.family.effort_levels)
        current = self.board.current().model
        if current is not None and _same(current, served):
            return  # same model: it keeps its creation time
        self.board.ready(served)

    @Slot(object)
    def _on_answered(self, answered: Answered) -> None:
        served = self.board.current().model
        if not self.settings.server_save_chats or served is None:
            return
        exchange = ServedExchange(answered.request, answered.answer, answered.reasoning,
                                  answered.stats, served.label)
        try:
            conversation_id = save_exchange(self.store, exchange)
        except AppError as exc:  # the client has its answer; the window says what was lost
            log.warning("a server chat was not saved: %s", exc)
            self.window.statusBar().showMessage(
                self.tr("A chat of the API server was not saved: {0}").format(exc))
            return
        if conversation_id is not None:
            self.chat_saved.emit(conversation_id)

    @Slot(int)
    def _on_activity(self, active: int) -> None:
        if self.server is not None:
            self.window.server_status.set_activity(active)


def _same(a: ServedModel, b: ServedModel) -> bool:
    return (a.name, a.thinking, a.sampling, a.n_ctx) == (b.name, b.thinking, b.sampling, b.n_ctx)
