"""The Settings page for the local API server: on/off, port, API key (generate, copy, shown
masked), "Allow other devices on my network" (only with a key) and the web pages allowed to
call it (CORS).

It edits the server fields of a `Settings` value; starting and stopping the server is the
app's job. The address line follows the form as it is edited.
"""

from __future__ import annotations

import dataclasses
import re

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from backend.errors import InvalidOptionError
from backend.serve.api_server import new_api_key
from backend.serve.engine_queue import DEFAULT_MAX_WAITING
from backend.settings import Settings


class ServerPage(QWidget):
    def __init__(self, settings: Settings, *, lan_address: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lan_address = lan_address
        self._origins = settings.server_cors_origins
        intro = QLabel(self.tr(
            "Other programs (your editor's assistant such as Continue, Cline or Zed, Open "
            "WebUI, your scripts) can use the model loaded in this window through an "
            "OpenAI-compatible API, with its reasoning in reasoning_content."), self)
        intro.setWordWrap(True)
        self.enabled = QCheckBox(self.tr("Serve the loaded model to other programs"), self)
        self.port = QSpinBox(self)
        self.port.setRange(1, 65535)
        self.port.setGroupSeparatorShown(False)
        self.api_key = QLineEdit(self)
        self.api_key.setObjectName("serverKey")
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText(self.tr("none: any program on this computer may use it"))
        self.show_key = QToolButton(self)
        self.show_key.setText(self.tr("Show"))
        self.show_key.setCheckable(True)
        self.generate_key = QPushButton(self.tr("Generate"), self)
        self.copy_key = QPushButton(self.tr("Copy"), self)
        key_row = QHBoxLayout()
        key_row.addWidget(self.api_key, 1)
        key_row.addWidget(self.show_key)
        key_row.addWidget(self.generate_key)
        key_row.addWidget(self.copy_key)
        self.lan = QCheckBox(self.tr("Allow other devices on my network"), self)
        self.lan_hint = _hint(self)
        self.cors = QLineEdit(self)
        self.cors.setPlaceholderText(self.tr("http://localhost:3000"))
        self.cors.setToolTip(self.tr(
            "Web pages (origins) allowed to call the API from a browser, separated by commas. "
            "Empty: none; programs that are not web pages are not affected."))
        self.cors_error = _hint(self)
        self.cors_error.setObjectName("estimate")  # shown like the other settings' warnings
        self.cors_error.setProperty("warning", True)
        self.address = QLabel(self)
        self.address.setObjectName("serverPageAddress")
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.address.setWordWrap(True)
        self.save_chats = QCheckBox(self.tr("Save the server's chats as conversations"), self)
        self.save_chats.setToolTip(self.tr(
            "Each answered request is kept in the sidebar; the next request of the same chat "
            "(the same earlier messages) continues its conversation. Off: the API keeps "
            "nothing."))
        note = _hint(self)
        note.setText(self.tr(
            "Requests are answered one at a time by the model loaded in this window, in turn "
            "with your own chats (which then say they wait for the server's request); up to {0} "
            "more wait, further ones get HTTP 429. A program that disconnects stops its answer. "
            "Unless saving is on, server chats are not kept.").format(DEFAULT_MAX_WAITING))

        form = QFormLayout()
        form.addRow(self.enabled)
        form.addRow(self.tr("Port"), self.port)
        form.addRow(self.tr("API key"), key_row)
        form.addRow(self.lan)
        form.addRow(self.lan_hint)
        form.addRow(self.tr("Allowed web pages"), self.cors)
        form.addRow(self.cors_error)
        form.addRow(self.tr("Address"), self.address)
        form.addRow(self.save_chats)
        self._form = form
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addStretch(1)

        self.enabled.setChecked(settings.server_enabled)
        self.port.setValue(settings.server_port)
        self.api_key.setText(settings.server_api_key or "")
        self.lan.setChecked(settings.server_lan and bool(settings.server_api_key))
        self.cors.setText(", ".join(settings.server_cors_origins))
        self.save_chats.setChecked(settings.server_save_chats)

        self.show_key.toggled.connect(self._on_show_key_toggled)
        self.generate_key.clicked.connect(self._on_generate_key_clicked)
        self.copy_key.clicked.connect(self._on_copy_key_clicked)
        self.api_key.textChanged.connect(self._on_form_changed)
        self.port.valueChanged.connect(self._on_form_changed)
        self.lan.toggled.connect(self._on_form_changed)
        self.enabled.toggled.connect(self._on_form_changed)
        self.cors.textEdited.connect(self._on_cors_edited)
        self._form.setRowVisible(self.cors_error, False)
        self._on_form_changed()

    # -- values ---------------------------------------------------------------------------------

    def key(self) -> str | None:
        return self.api_key.text().strip() or None

    def apply_to(self, settings: Settings) -> Settings:
        """`settings` with this page's server fields."""
        key = self.key()
        return dataclasses.replace(
            settings, server_enabled=self.enabled.isChecked(), server_port=self.port.value(),
            server_api_key=key, server_lan=self.lan.isChecked() and key is not None,
            server_cors_origins=self._origins, server_save_chats=self.save_chats.isChecked())

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port.value()}/v1"

    # -- slots ----------------------------------------------------------------------------------

    @Slot(bool)
    def _on_show_key_toggled(self, shown: bool) -> None:
        self.api_key.setEchoMode(QLineEdit.EchoMode.Normal if shown
                                 else QLineEdit.EchoMode.Password)

    @Slot()
    def _on_generate_key_clicked(self) -> None:
        self.api_key.setText(new_api_key())

    @Slot()
    def _on_copy_key_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.api_key.text())

    @Slot()
    def _on_form_changed(self) -> None:
        has_key = self.key() is not None
        self.copy_key.setEnabled(has_key)
        if not has_key and self.lan.isChecked():
            self.lan.setChecked(False)  # never every interface without a key
        self.lan.setEnabled(has_key)
        self.lan_hint.setText(
            self.tr("Listens on every network interface, so phones and other computers can "
                    "use the model; every request must carry the API key.") if has_key else
            self.tr("Set an API key first: without one, anyone on the network could use this "
                    "computer's model."))
        lines = [self.url()]
        if self.lan.isChecked():
            where = self._lan_address or self.tr("this computer's address")
            lines.append(self.tr("Other devices: http://{0}:{1}/v1").format(
                where, self.port.value()))
        self.address.setText("\n".join(lines))

    @Slot(str)
    def _on_cors_edited(self, text: str) -> None:
        try:
            self._origins = parse_origins(text)
        except InvalidOptionError as exc:
            self.cors_error.setText(str(exc))  # the last valid list is kept meanwhile
        else:
            self.cors_error.setText("")
        self._form.setRowVisible(self.cors_error, bool(self.cors_error.text()))


def parse_origins(text: str) -> tuple[str, ...]:
    """"http://a:3000, https://b" → the origins; raises `InvalidOptionError` for one that is not
    a web origin."""
    origins = tuple(o.rstrip("/") for o in re.split(r"[\s,]+", text) if o)
    try:
        return Settings(server_cors_origins=origins).server_cors_origins
    except InvalidOptionError as exc:
        raise InvalidOptionError(str(exc).split(": ", 1)[-1]) from None


def _hint(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label
