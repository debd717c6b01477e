"""The main window: conversations on the left; model header, chat and composer in the middle."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.chat.chat_view import ChatView
from ui.composer import Composer
from ui.conversation_header import ConversationHeader
from ui.conversation_list import ConversationList
from ui.model_bar import ModelBar
from ui.server_status import ServerStatus


class MainWindow(QMainWindow):
    """Signals:
        closing(): the window is about to close (the app stops its workers).
    """

    closing = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("DeepSeek Local")
        self.resize(1180, 780)
        self.sidebar = ConversationList(self)
        self.model_bar = ModelBar(self)
        self.conversation_header = ConversationHeader(self)
        self.chat_view = ChatView(self)
        self.empty_state = _EmptyState(self)
        self.composer = Composer(self)

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.empty_state)
        self.pages.addWidget(self.chat_view)

        center = QWidget(self)
        center.setObjectName("center")
        column = QVBoxLayout(center)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.model_bar)
        column.addWidget(self.conversation_header)
        column.addWidget(self.pages, 1)
        composer_box = QVBoxLayout()
        composer_box.setContentsMargins(24, 8, 24, 16)
        composer_box.addWidget(self.composer)
        column.addLayout(composer_box)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.sidebar)
        splitter.addWidget(center)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 920])
        splitter.setChildrenCollapsible(False)
        self.setCentralWidget(splitter)

        self.server_status = ServerStatus(self)  # the API server's address, when it is on
        self.statusBar().addPermanentWidget(self.server_status)
        self.speed_label = QLabel(self)
        self.ttft_label = QLabel(self)
        self.context_label = QLabel(self)
        for label in (self.speed_label, self.ttft_label, self.context_label):
            self.statusBar().addPermanentWidget(label)
        self._build_menus()
        self.show_chat(False)
        # Typing goes to the message box from the start. Without a focus widget Qt gives the
        # focus to the first control in tab order (New chat): the first word typed was lost
        # there, and the space after it clicked the button.
        self.composer.input.setFocus()

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu(self.tr("&File"))
        self.new_chat_action = QAction(self.tr("New chat"), self)
        self.new_chat_action.setShortcut(QKeySequence.StandardKey.New)
        self.open_model_action = QAction(self.tr("Open model file…"), self)
        self.open_model_action.setShortcut(QKeySequence.StandardKey.Open)
        self.export_action = QAction(self.tr("Export conversation…"), self)
        self.quit_action = QAction(self.tr("Quit"), self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        for action in (self.new_chat_action, self.open_model_action, self.export_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        models_menu = menu.addMenu(self.tr("&Models"))
        self.manage_models_action = QAction(self.tr("Download and manage models…"), self)
        self.unload_action = QAction(self.tr("Unload model"), self)
        models_menu.addAction(self.manage_models_action)
        models_menu.addAction(self.unload_action)

        settings_menu = menu.addMenu(self.tr("&Settings"))
        self.settings_action = QAction(self.tr("Preferences…"), self)
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        settings_menu.addAction(self.settings_action)

        help_menu = menu.addMenu(self.tr("&Help"))
        self.about_action = QAction(self.tr("About DeepSeek Local"), self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        help_menu.addAction(self.about_action)

    def show_chat(self, has_messages: bool) -> None:
        """The chat when the conversation has messages, else the welcoming empty page."""
        self.pages.setCurrentWidget(self.chat_view if has_messages else self.empty_state)

    def set_stats(self, speed: str, ttft: str, context: str) -> None:
        self.speed_label.setText(speed)
        self.ttft_label.setText(ttft)
        self.context_label.setText(context)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit()
        event.accept()


class _EmptyState(QWidget):
    """What an empty conversation shows: a greeting, or on first run what the app does.

    Signals (via `get_model`): clicked() to open the model manager.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        self.title = QLabel(self.tr("How can I help you today?"), self)
        self.title.setObjectName("emptyTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = QLabel(self)
        self.hint.setObjectName("emptyHint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.get_model = QPushButton(self.tr("Choose a model to download…"), self)
        self.get_model.setObjectName("getModel")
        self.get_model.hide()
        button_row = QHBoxLayout()
        button_row.addStretch(1)
        button_row.addWidget(self.get_model)
        button_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 0, 48, 0)
        layout.addStretch(2)
        layout.addWidget(self.title)
        layout.addSpacing(8)
        layout.addWidget(self.hint)
        layout.addSpacing(16)
        layout.addLayout(button_row)
        layout.addStretch(3)

    def set_hint(self, text: str) -> None:
        self.hint.setText(text)

    def show_welcome(self, welcome: bool) -> None:
        """First run, nothing installed: explain the app and offer a model."""
        if welcome:
            self.title.setText(self.tr("Welcome to DeepSeek Local"))
            self.hint.setText(self.tr(
                "Chat with DeepSeek models that run entirely on this computer: your "
                "conversations never leave it. DeepSeek-R1 reasons step by step before it "
                "answers; the smaller R1 distills run on laptops, the full 671B models on big "
                "machines. Pick one that fits this machine to get started."))
        else:
            self.title.setText(self.tr("How can I help you today?"))
        self.get_model.setVisible(welcome)
