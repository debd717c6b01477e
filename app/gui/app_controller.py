"""Wires the window to the backend: settings, the interface language, the conversation store, the
generation thread and the controllers (chat, models, the API server). Owns the shutdown order:
stop the API server, stop generation, save, unload on the worker, join.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QLocale, QObject, Qt, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from app import __version__
from app.gui.chat.chat_controller import ChatController
from app.gui.chat.formula_worker import ThreadedFormulas
from app.gui.generation_worker import GenerationThread, GenerationWorker
from app.gui.model_controller import ModelController
from app.gui.server_controller import ServerController
from app.gui.translations import install_translations, prefer_simplified_chinese_fonts
from backend import i18n
from backend.chat.messages import EngineRef
from backend.engine.local_engine import LocalEngine
from backend.engine.snapshot_store import SnapshotStore, default_ram_cap, disk_cap_for
from backend.errors import AppError
from backend.hub.library import Library
from backend.paths import AppPaths
from backend.remote.connections import Connection, load_connections, save_connections
from backend.settings import Settings, load_settings, save_settings
from backend.store.conversations import ConversationStore
from ui.main_window import MainWindow
from ui.markdown.formulas import use_formulas
from ui.theme import apply_theme

if TYPE_CHECKING:
    from app.gui.downloads.download_manager import DownloadManager

log = logging.getLogger(__name__)


class AppController(QObject):
    def __init__(self, app: QApplication, paths: AppPaths, *, model: str | None = None,
                 generation: GenerationThread | None = None) -> None:
        super().__init__()
        self.app = app
        self.paths = paths
        self.settings = load_settings(paths.settings_file)
        # Before any widget exists: every tr() made while building the window is translated.
        self.translations = install_translations(app, self.settings.language)
        prefer_simplified_chinese_fonts(app)  # Chinese answers come in any interface language
        self.restart_requested = False  # the user asked for a restart (app.gui starts it)
        apply_theme(app, self.settings.theme)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_color_scheme_changed)
        self.store = ConversationStore(paths.conversations_db)
        self.snapshots = SnapshotStore(
            paths.kv_snapshots, disk_cap=disk_cap_for(paths.kv_snapshots,
                                                      self.settings.kv_snapshot_gib),
            ram_cap=default_ram_cap(), enabled=self.settings.kv_snapshots)
        # Maths in the chat is rendered on a thread of its own (ziamath is slow, pure Python).
        self.formulas = ThreadedFormulas()
        use_formulas(self.formulas)
        self.generation = generation or GenerationThread(GenerationWorker(LocalEngine()))
        self.generation.worker.engine.snapshots = self.snapshots  # before its first load
        self.window = MainWindow()
        self.window.chat_view.set_reasoning_expanded(self.settings.reasoning_expanded)
        self.connections = load_connections(paths.connections_file)
        self.models = ModelController(self.window, self.generation, self.settings,
                                      Library.of(paths), connections=self.connections)
        self._downloads: DownloadManager | None = None  # made after the window shows
        self.chat = ChatController(self.window, self.store, self.generation, self.models)
        self.chat.conversation_deleted.connect(self._on_chat_conversation_deleted)
        self.server = ServerController(self.window, self.generation, self.models, self.settings,
                                       self.store)
        self.server.chat_saved.connect(self.chat.show_saved_elsewhere)
        self.models.settings_changed.connect(self._on_models_settings_changed)
        self.models.download_offered.connect(self._on_models_download_offered)
        self.models.loaded_changed.connect(self._on_models_loaded_changed)
        self.models.engine_changed.connect(self._on_models_engine_changed)
        self.window.composer.deep_thinking_toggled.connect(self._on_composer_deep_thinking_toggled)
        self.window.closing.connect(self._on_window_closing)
        self.window.quit_action.triggered.connect(self.window.close)
        self.window.about_action.triggered.connect(self._on_window_about_triggered)
        self.window.manage_models_action.triggered.connect(self._on_manage_models)
        self.window.model_bar.manage_models_requested.connect(self._on_manage_models)
        self.window.settings_action.triggered.connect(self._on_settings)
        self.window.empty_state.get_model.clicked.connect(self._on_manage_models)
        self._shut_down = False
        self._model_at_start = model
        self.chat.restore()

    def start(self) -> None:
        """After the window is shown: load the model (the window appears without waiting), carry
        on with unfinished downloads, and on the very first run with nothing installed, offer the
        model recommended for this machine."""
        self.models.restore(self._model_at_start)
        self.server.apply(self.settings)  # on again if it was on when the app closed
        self.downloads.resume_pending()
        if (not self.models.installed and self.models.loading is None
                and self.models.loaded is None and not self.connections
                and not self.settings.welcome_shown):
            self.update_settings(replace(self.settings, welcome_shown=True))
            self.open_model_manager(None)

    @property
    def downloads(self) -> DownloadManager:
        """The download service (imported and created on first use: start-up stays fast)."""
        if self._downloads is None:
            from app.gui.downloads.download_manager import DownloadManager

            self._downloads = DownloadManager(self._current_settings, self.paths)
            self._downloads.token_entered.connect(self._on_downloads_token_entered)
            self._downloads.model_installed.connect(self._on_downloads_model_installed)
        return self._downloads

    def _current_settings(self) -> Settings:
        return self.settings

    @Slot(list)
    def activate(self, args: list[str]) -> None:
        """A second launch: bring the window forward, and open the model it was given."""
        log.info("a second launch raised this window")
        window = self.window
        window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
        window.show()
        window.raise_()
        window.activateWindow()
        model = next((a for a in args if a.endswith(".gguf")), None)
        if model and self.chat.streaming is None:
            self.models.open_file(model)

    # -- settings -------------------------------------------------------------------------------

    def update_settings(self, settings: Settings) -> None:
        self.settings = settings
        self.models.settings = settings
        try:
            save_settings(settings, self.paths.settings_file)
        except AppError as exc:
            QMessageBox.warning(self.window, self.tr("Settings not saved"), str(exc))

    @Slot(object)
    def apply_settings(self, settings: Settings) -> None:
        """What the Settings dialog returned: save it and make it take effect now."""
        from app.gui.settings_controller import needs_reload

        old = self.settings
        self.update_settings(settings)
        if settings.theme != old.theme:
            apply_theme(self.app, settings.theme)
        self.snapshots.enabled = settings.kv_snapshots
        self.snapshots.set_caps(disk_cap_for(self.paths.kv_snapshots, settings.kv_snapshot_gib))
        self.window.chat_view.set_reasoning_expanded(settings.reasoning_expanded)
        self.chat.presets.refresh()  # the default system prompt or the family's sampling changed
        if settings.language != old.language:
            self._offer_restart(settings.language)
        self.server.apply(settings, interactive=True)
        loaded = self.models.loaded
        if loaded is not None and needs_reload(old, settings) and self.chat.streaming is None:
            self.models.load(str(loaded.info.path))

    def _offer_restart(self, choice: str) -> None:
        """The interface language applies at start-up: offer to restart now if it changes."""
        language = i18n.interface_language(choice, QLocale.system().uiLanguages())
        if language == self.translations.language:
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Restart to change the language"),
                          self.tr("The new interface language takes effect after a restart. "
                                  "Restart DeepSeek Local now?"),
                          QMessageBox.StandardButton.NoButton, self.window)
        restart = box.addButton(self.tr("Restart now"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("Later"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(restart)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(self._on_restart_accepted)
        box.open()

    @Slot()
    def _on_restart_accepted(self) -> None:
        self.restart_requested = True
        self.window.close()

    @Slot(Qt.ColorScheme)
    def _on_color_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self.settings.theme == "system":
            apply_theme(self.app, "system")

    @Slot(object)
    def apply_connections(self, connections: list[Connection]) -> None:
        """What the Settings dialog's Connections page returned: save it and use it now."""
        self.connections = list(connections)
        try:
            save_connections(self.connections, self.paths.connections_file)
        except AppError as exc:
            QMessageBox.warning(self.window, self.tr("Connections not saved"), str(exc))
        self.models.set_connections(self.connections)

    @Slot(object)
    def _on_models_settings_changed(self, settings: Settings) -> None:
        self.update_settings(settings)

    @Slot(str)
    def _on_chat_conversation_deleted(self, conversation_id: str) -> None:
        self.snapshots.drop_conversation(conversation_id)  # its KV cache holds its content

    @Slot()
    def clear_snapshots(self) -> None:
        """Settings → Clear: every conversation's kept KV cache goes."""
        self.snapshots.clear()

    @Slot(bool)
    def _on_composer_deep_thinking_toggled(self, on: bool) -> None:
        self.chat.remember_deep_thinking(on)

    @Slot(object)
    def _on_models_engine_changed(self, engine: EngineRef) -> None:
        self.chat.remember_engine(engine)
        self._show_model_in_chat()

    @Slot(bool)
    def _on_models_loaded_changed(self, ready: bool) -> None:
        if ready and self.chat.conversation_id is None:
            self.window.composer.set_deep_thinking(self.models.default_deep_thinking())
        self._show_model_in_chat()

    def _show_model_in_chat(self) -> None:
        """The composer's context figure and the header's presets follow the model."""
        self.chat.attachments.update_context()
        self.chat.presets.refresh()

    # -- dialogs --------------------------------------------------------------------------------

    @Slot()
    def _on_manage_models(self) -> None:
        self.open_model_manager(None)

    @Slot(str)
    def _on_models_download_offered(self, family: str) -> None:
        self.open_model_manager(family)

    def open_model_manager(self, family: str | None) -> None:
        from app.gui.downloads.download_controller import open_download_dialog

        open_download_dialog(self.window, self.downloads, family, self.models)

    @Slot(str)
    def _on_downloads_token_entered(self, token: str) -> None:
        self.update_settings(replace(self.settings, hf_token=token))

    @Slot(str)
    def _on_downloads_model_installed(self, path: str) -> None:
        self.models.load_downloaded(path)  # loaded at once when nothing else answers

    @Slot()
    def _on_settings(self) -> None:
        from app.gui.settings_controller import open_settings_dialog

        open_settings_dialog(self)

    @Slot()
    def _on_window_about_triggered(self) -> None:
        QMessageBox.about(
            self.window, self.tr("About DeepSeek Local"),
            self.tr("<h3>DeepSeek Local {0}</h3><p>DeepSeek V3 and R1 on your own machine, "
                    "through llama.cpp.</p>").format(__version__))

    # -- shutdown -------------------------------------------------------------------------------

    @Slot()
    def _on_window_closing(self) -> None:
        self.shutdown()

    def shutdown(self) -> None:
        """Stop everything within ~2 s: generation, downloads, then free the model and join."""
        if self._shut_down:
            return
        self._shut_down = True
        self.server.shutdown()  # its requests end before the worker stops
        self.chat.shutdown()
        if self._downloads is not None and not self._downloads.shutdown(timeout_ms=2000):
            log.warning("downloads did not stop within 2 s")
        if not self.generation.shutdown(timeout_ms=2000):
            log.warning("the generation thread did not stop within 2 s")
        use_formulas(None)
        if not self.formulas.shutdown(timeout_ms=2000):
            log.warning("the formula thread did not stop within 2 s")
        # The last conversation's KV cache is written by the store's own thread, after the
        # window is gone: the process waits for it, the user does not.
        self.store.close()
        self.translations.remove()
