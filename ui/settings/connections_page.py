"""The Settings page for remote servers (OpenAI-compatible): add, edit, test and remove.

It edits a list of `Connection` values; saving them and running the test are the app's job. The
form edits the selected connection live: a valid edit replaces it at once, an invalid one is
explained under the form and not kept. API keys are typed into a password field and listed
masked ("sk-…f00d").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from backend.errors import AppError
from backend.remote.connections import Connection, ThinkingControl

_ID = Qt.ItemDataRole.UserRole

# base URL, model, how thinking is switched, thinking model (names: `preset_names`)
PRESETS: dict[str, tuple[str, str, ThinkingControl, str | None]] = {
    # DeepSeek's API retired deepseek-chat / deepseek-reasoner (July 2026): one model, switched.
    "deepseek": ("https://api.deepseek.com", "deepseek-v4-flash", ThinkingControl.API_SWITCH,
                 None),
    "vllm": ("http://127.0.0.1:8000/v1", "deepseek-ai/DeepSeek-V3.1", ThinkingControl.TEMPLATE,
             None),
    "llama.cpp": ("http://127.0.0.1:8080", "DeepSeek-R1", ThinkingControl.ALWAYS, None),
}


def preset_names() -> dict[str, str]:
    """Each preset's name, in the interface language: the menu item, and a new connection's name."""
    return {
        "deepseek": QCoreApplication.translate("ConnectionsPage", "DeepSeek API"),
        "vllm": QCoreApplication.translate("ConnectionsPage", "vLLM or SGLang"),
        "llama.cpp": QCoreApplication.translate("ConnectionsPage", "llama.cpp server"),
    }


class ConnectionsPage(QWidget):
    """Signals:
        test_requested(object): test this `Connection` (list its models, time a first token).
    """

    test_requested = Signal(object)

    def __init__(self, connections: Sequence[Connection], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._connections = list(connections)
        self._filling = False
        self.list = QListWidget(self)
        self.list.setObjectName("connectionList")
        self.add_button = QPushButton(self.tr("Add"), self)
        menu = QMenu(self.add_button)
        for key, label in preset_names().items():
            menu.addAction(label).setData(key)
        menu.triggered.connect(self._on_add_menu_triggered)
        self.add_button.setMenu(menu)
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.test_button = QPushButton(self.tr("Test"), self)
        self.test_button.setToolTip(self.tr("List the server's models and time a first token"))

        self.name = QLineEdit(self)
        self.base_url = QLineEdit(self)
        self.base_url.setPlaceholderText(self.tr("http://127.0.0.1:8000/v1"))
        self.api_key = QLineEdit(self)
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText(self.tr("sk-… (empty if the server needs none)"))
        self.model = QLineEdit(self)
        self.thinking = QComboBox(self)
        for value, label in (
                (ThinkingControl.TEMPLATE, self.tr("Template switch (DeepSeek-V3.1 and later)")),
                (ThinkingControl.API_SWITCH, self.tr("DeepSeek API thinking switch")),
                (ThinkingControl.MODEL_PAIR, self.tr("A second model for thinking")),
                (ThinkingControl.ALWAYS, self.tr("Always (DeepSeek-R1)")),
                (ThinkingControl.NEVER, self.tr("Never (DeepSeek-V3)"))):
            self.thinking.addItem(label, value.value)
        self.thinking_model = QLineEdit(self)
        self.thinking_model.setPlaceholderText(self.tr("the thinking model's name"))
        self.status = QLabel(self)
        self.status.setObjectName("connectionStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.test_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.form = QFormLayout()
        self.form.addRow(self.tr("Name"), self.name)
        self.form.addRow(self.tr("Base URL"), self.base_url)
        self.form.addRow(self.tr("API key"), self.api_key)
        self.form.addRow(self.tr("Model"), self.model)
        self.form.addRow(self.tr("Deep thinking"), self.thinking)
        self.form.addRow(self.tr("Thinking model"), self.thinking_model)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addLayout(self.form)
        layout.addWidget(self.status)

        self.list.currentRowChanged.connect(self._on_list_current_row_changed)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.test_button.clicked.connect(self._on_test_clicked)
        for edit in (self.name, self.base_url, self.api_key, self.model, self.thinking_model):
            edit.textEdited.connect(self._on_form_edited)
        self.thinking.currentIndexChanged.connect(self._on_form_edited)
        self._refresh(0 if self._connections else -1)

    # -- values ---------------------------------------------------------------------------------

    def connections(self) -> list[Connection]:
        return list(self._connections)

    def current(self) -> Connection | None:
        row = self.list.currentRow()
        return self._connections[row] if 0 <= row < len(self._connections) else None

    def add_connection(self, preset: str) -> Connection:
        url, model, thinking, pair = PRESETS[preset]
        name = preset_names()[preset]
        taken = {c.name for c in self._connections}
        unique = name
        n = 2
        while unique in taken:
            unique, n = f"{name} {n}", n + 1
        connection = Connection.new(unique, url, model, thinking=thinking, thinking_model=pair)
        self._connections.append(connection)
        self._refresh(len(self._connections) - 1)
        self.api_key.setFocus() if preset == "deepseek" else self.base_url.setFocus()
        return connection

    @Slot(str, str, bool)
    def show_test_result(self, connection_id: str, text: str, ok: bool) -> None:
        """The app's answer to `test_requested`."""
        connection = next((c for c in self._connections if c.id == connection_id), None)
        name = connection.name if connection else self.tr("Removed connection")
        self._show_status(self.tr("{name}: {result}").format(name=name, result=text), error=not ok)
        self.test_button.setEnabled(True)

    # -- list and form --------------------------------------------------------------------------

    def _refresh(self, row: int) -> None:
        blocked = self.list.blockSignals(True)
        self.list.clear()
        for c in self._connections:
            item = QListWidgetItem(_item_text(c))
            item.setData(_ID, c.id)
            self.list.addItem(item)
        self.list.setCurrentRow(row)
        self.list.blockSignals(blocked)
        self._fill(self.current())

    def _fill(self, c: Connection | None) -> None:
        self._filling = True
        for edit, value in ((self.name, c.name if c else ""),
                            (self.base_url, c.base_url if c else ""),
                            (self.api_key, (c.api_key or "") if c else ""),
                            (self.model, c.model if c else ""),
                            (self.thinking_model, (c.thinking_model or "") if c else "")):
            edit.setText(value)
        self.thinking.setCurrentIndex(max(0, self.thinking.findData(
            (c.thinking if c else ThinkingControl.TEMPLATE).value)))
        self._filling = False
        for widget in (self.name, self.base_url, self.api_key, self.model, self.thinking,
                       self.remove_button, self.test_button):
            widget.setEnabled(c is not None)
        self._update_pair_field()
        self._show_status("" if c else self.tr(
            "No servers yet. Add one to chat with a DeepSeek served by vLLM, SGLang, "
            "llama.cpp's server or DeepSeek's API."))

    def _form_value(self, base: Connection) -> Connection:
        """The form as a connection; raises `AppError` explaining what is wrong."""
        return dataclasses.replace(
            base, name=self.name.text(), base_url=self.base_url.text(),
            api_key=self.api_key.text() or None, model=self.model.text(),
            thinking=self._thinking(),
            thinking_model=self.thinking_model.text() or None)

    def _thinking(self) -> ThinkingControl:
        return ThinkingControl(self.thinking.currentData())

    def _update_pair_field(self) -> None:
        pair = self._thinking() is ThinkingControl.MODEL_PAIR
        self.thinking_model.setEnabled(pair and self.current() is not None)

    def _show_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setProperty("error", error)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    # -- slots ----------------------------------------------------------------------------------

    def _on_list_current_row_changed(self, _row: int) -> None:
        self._fill(self.current())

    def _on_add_menu_triggered(self, action: object) -> None:
        self.add_connection(str(action.data()))  # type: ignore[attr-defined]

    def _on_remove_clicked(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self._connections):
            del self._connections[row]
            self._refresh(min(row, len(self._connections) - 1))

    def _on_test_clicked(self) -> None:
        current = self.current()
        if current is None:
            return
        try:
            connection = self._form_value(current)
        except AppError as exc:
            self._show_status(str(exc), error=True)
            return
        self._show_status(self.tr("Testing {0}…").format(connection.endpoint.url()))
        self.test_button.setEnabled(False)
        self.test_requested.emit(connection)

    def _on_form_edited(self) -> None:
        if self._filling:
            return
        self._update_pair_field()
        row = self.list.currentRow()
        current = self.current()
        if current is None:
            return
        try:
            edited = self._form_value(current)
        except AppError as exc:
            self._show_status(str(exc), error=True)  # not kept until it is valid
            return
        self._connections[row] = edited
        self.list.item(row).setText(_item_text(edited))
        self._show_status("")


def _item_text(c: Connection) -> str:
    key = c.masked_key()
    url = c.endpoint.url()
    if key:
        url = QCoreApplication.translate("ConnectionsPage", "{url} · key {key}").format(
            url=url, key=key)
    return f"☁ {c.label}\n{url}"
