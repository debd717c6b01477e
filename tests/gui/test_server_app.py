"""The whole app, offscreen, serving its loaded model: Settings → API server turns the API on, the
status bar shows the URL, the `openai` client gets the window's model (and follows it when the
window switches), and the window's own answer says it waits behind a server request."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import openai
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QClipboard
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from app.gui.settings_controller import open_settings_dialog
from backend.paths import app_paths
from backend.settings import Settings, load_settings, save_settings
from tests.gui.conftest import MakeApp
from ui.settings.server_page import ServerPage

HI = [{"role": "user", "content": "What is 2+2?"}]


def http_get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=30)


def http_post(url: str, **kw: object) -> httpx.Response:
    return httpx.post(url, timeout=30, **kw)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def port() -> int:
    return free_port()


def serving_settings(port: int, **changes: object) -> None:
    """The profile of a user who turned the server on before (it starts with the app)."""
    save_settings(Settings(welcome_shown=True, server_enabled=True, server_port=port,
                           **changes),  # type: ignore[arg-type]
                  app_paths().settings_file)


def test_turning_the_server_on_in_settings_serves_the_loaded_model(
        qtbot: QtBot, make_app: MakeApp, scripted_r1: Path, port: int, out_dir: Path,
        clipboard: QClipboard) -> None:
    app = make_app(scripted_r1)
    status = app.window.server_status
    assert not status.isVisible()
    dialog = open_settings_dialog(app)
    page = dialog.server_page
    dialog.tabs.setCurrentWidget(page)
    assert not page.lan.isEnabled()  # no key yet: every interface is not offered
    page.enabled.click()
    page.port.setValue(port)
    page.generate_key.click()
    key = page.api_key.text()
    assert key.startswith("sk-") and len(key) == 51
    assert page.api_key.echoMode() is QLineEdit.EchoMode.Password
    page.copy_key.click()
    assert clipboard.text() == key
    assert page.lan.isEnabled()
    assert page.address.text() == f"http://127.0.0.1:{port}/v1"
    qtbot.wait(50)  # the page lays out its longer hint
    dialog.grab().save(str(out_dir / "settings-server.png"))
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    url = f"http://127.0.0.1:{port}/v1"
    assert status.isVisible() and status.address.text() == f"API: {url}"
    app.window.grab().save(str(out_dir / "server-status.png"))
    status.copy_button.click()
    assert clipboard.text() == url
    saved = load_settings(app_paths().settings_file)
    assert (saved.server_enabled, saved.server_port, saved.server_api_key) == (True, port, key)

    with openai.OpenAI(base_url=url, api_key=key, max_retries=0, timeout=30) as client:
        assert [m.id for m in client.models.list().data] == ["DeepSeek-R1"]
        answer = client.chat.completions.create(model="DeepSeek-R1", messages=HI)  # type: ignore[arg-type]
        assert (answer.choices[0].message.reasoning_content,  # type: ignore[attr-defined]
                answer.choices[0].message.content) == ("WHY", "BLUE")
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=url, api_key="sk-wrong", max_retries=0).models.list()
    assert app.chat.conversation_id is None  # server chats are not saved as conversations
    assert app.store.conversations() == []

    # Off again: nothing listens any more.
    dialog = open_settings_dialog(app)
    dialog.server_page.enabled.click()
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    assert not status.isVisible()
    with pytest.raises(httpx.ConnectError):
        http_get(url + "/models")


def test_the_server_starts_with_the_app_and_follows_the_windows_model(
        qtbot: QtBot, make_app: MakeApp, scripted_r1: Path, scripted_v31: Path,
        port: int) -> None:
    serving_settings(port)
    app = make_app(scripted_r1)
    url = f"http://127.0.0.1:{port}/v1"
    assert app.window.server_status.address.text() == f"API: {url}"
    assert [m["id"] for m in http_get(url + "/models").json()["data"]] == ["DeepSeek-R1"]

    app.models.load(str(scripted_v31))
    # Until the worker reports the new model (this thread is busy here), requests wait it out.
    loading = http_post(url + "/chat/completions", json={"messages": HI})
    assert (loading.status_code, loading.json()["error"]["message"]) == (
        503, "DeepSeek-V3.1 is loading. Try again when it is ready.")
    qtbot.waitUntil(lambda: app.models.loaded is not None
                    and app.models.loaded.info.label == "DeepSeek-V3.1", timeout=30_000)
    assert [m["id"] for m in http_get(url + "/models").json()["data"]] == ["DeepSeek-V3.1"]
    answer = http_post(url + "/chat/completions", json={
        "model": "DeepSeek-V3.1", "messages": HI, "thinking": {"type": "enabled"}}).json()
    assert answer["choices"][0]["message"] == {"role": "assistant", "content": "BLUE",
                                               "reasoning_content": "WHY"}

    with qtbot.waitSignal(app.models.loaded_changed, timeout=10_000):
        app.window.unload_action.trigger()
    nothing = http_post(url + "/chat/completions", json={"messages": HI})
    assert (nothing.status_code, nothing.json()["error"]["message"]) == (
        503, "No model is loaded. Load one in DeepSeek Local's window, then try again.")
    assert http_get(url + "/models").json()["data"] == []


def test_saved_server_chats_appear_in_the_sidebar_as_one_conversation_each(
        qtbot: QtBot, make_app: MakeApp, scripted_r1: Path, port: int) -> None:
    serving_settings(port)
    app = make_app(scripted_r1)
    dialog = open_settings_dialog(app)
    page = dialog.server_page
    assert not page.save_chats.isChecked()
    page.save_chats.click()
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    assert load_settings(app_paths().settings_file).server_save_chats
    sidebar = app.window.sidebar.list

    with openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="none",
                       max_retries=0, timeout=30) as client:
        first = client.chat.completions.create(model="DeepSeek-R1", messages=HI)  # type: ignore[arg-type]
        qtbot.waitUntil(lambda: sidebar.count() == 1, timeout=10_000)
        assert sidebar.item(0).text() == "What is 2+2?"
        sidebar.setCurrentRow(0)  # the user opens it
        conversation_id = app.chat.conversation_id
        assert conversation_id is not None
        follow_up = [*HI, {"role": "assistant", "content": first.choices[0].message.content},
                     {"role": "user", "content": "Why?"}]
        chunks = list(client.chat.completions.create(model="DeepSeek-R1", messages=follow_up,  # type: ignore[arg-type]
                                                     stream=True))
        assert chunks
    # The same chat, continued: one conversation, shown with the new turn as it is open.
    qtbot.waitUntil(lambda: len(app.store.messages(conversation_id)) == 4, timeout=10_000)
    assert sidebar.count() == 1
    messages = app.store.messages(conversation_id)
    assert [(m.content, m.reasoning) for m in messages] == [
        ("What is 2+2?", ""), ("BLUE", "WHY"), ("Why?", ""), ("BLUE", "WHY")]
    qtbot.waitUntil(lambda: len(app.window.chat_view.message_ids()) == 4, timeout=10_000)


def test_a_taken_port_is_shown_in_the_status_bar(qtbot: QtBot, make_app: MakeApp,
                                                  scripted_r1: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        serving_settings(port)
        app = make_app(scripted_r1)
    status = app.window.server_status
    assert status.isVisible() and status.address.text() == "API server off"
    assert status.address.toolTip() == (f"Port {port} on 127.0.0.1 is already in use by another "
                                        "program. Choose another port, or stop that program.")


class HeldStream:
    """A client on its own thread that starts a stream and holds it open until `close`."""

    def __init__(self, url: str) -> None:
        self.started = threading.Event()
        self._release = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(url,), daemon=True)
        self._thread.start()

    def _run(self, url: str) -> None:
        with openai.OpenAI(base_url=url, api_key="none", max_retries=0) as client:
            stream = client.chat.completions.create(model="DeepSeek-R1", messages=HI,  # type: ignore[arg-type]
                                                    stream=True)
            next(iter(stream))
            self.started.set()
            self._release.wait(30)
            stream.close()

    def close(self) -> None:
        self._release.set()
        self._thread.join(10)


@pytest.fixture
def held(port: int) -> Iterator[list[HeldStream]]:
    streams: list[HeldStream] = []
    yield streams
    for stream in streams:
        stream.close()


def test_the_windows_answer_waits_for_the_servers_request(
        qtbot: QtBot, make_app: MakeApp, endless_r1: Path, port: int, out_dir: Path,
        held: list[HeldStream]) -> None:
    serving_settings(port, n_ctx=65536)
    app = make_app(endless_r1)
    status = app.window.server_status
    held.append(HeldStream(f"http://127.0.0.1:{port}/v1"))
    assert held[0].started.wait(30)
    qtbot.waitUntil(lambda: status.activity.text() == "Serving a request…", timeout=10_000)

    app.window.composer.set_text("And mine?")
    qtbot.mouseClick(app.window.composer.send, Qt.MouseButton.LeftButton)
    answer = app.window.chat_view.message_widget(app.window.chat_view.message_ids()[-1])
    assert answer.waiting_text() == "Waiting for the server's request…"
    app.window.grab().save(str(out_dir / "server-waiting.png"))

    held[0].close()  # the client leaves: its generation stops, the window's answer begins
    qtbot.waitUntil(lambda: answer.waiting_text() == "" and answer.reasoning_panel is not None
                    and answer.reasoning_panel.reasoning_text().startswith("ab"),
                    timeout=10_000)
    qtbot.waitUntil(lambda: status.activity.text() == "", timeout=10_000)
    with qtbot.waitSignal(app.chat.generating_changed, timeout=10_000,
                          check_params_cb=lambda busy: not busy):
        app.window.composer.stop_requested.emit()


def test_every_interface_only_with_a_key(host: QWidget) -> None:
    page = ServerPage(Settings(server_api_key="sk-abc", server_lan=True, server_port=9000),
                      lan_address="192.168.1.5", parent=host)
    assert page.lan.isChecked() and page.lan.isEnabled()
    assert page.address.text() == ("http://127.0.0.1:9000/v1\n"
                                   "Other devices: http://192.168.1.5:9000/v1")
    page.api_key.clear()
    assert not page.lan.isChecked() and not page.lan.isEnabled()
    assert page.lan_hint.text() == ("Set an API key first: without one, anyone on the network "
                                    "could use this computer's model.")
    changed = page.apply_to(Settings())
    assert (changed.server_api_key, changed.server_lan, changed.server_port) == (None, False, 9000)


def test_allowed_web_pages(host: QWidget) -> None:
    page = ServerPage(Settings(), parent=host)
    page.cors.setText("http://localhost:3000, https://chat.example.org/")
    page.cors.textEdited.emit(page.cors.text())
    assert page.apply_to(Settings()).server_cors_origins == (
        "http://localhost:3000", "https://chat.example.org")
    page.cors.setText("localhost:3000")
    page.cors.textEdited.emit(page.cors.text())
    assert page.cors_error.isVisibleTo(page)
    assert page.cors_error.text() == ("'localhost:3000' is not a web origin such as "
                                      "http://localhost:3000.")
    assert page.apply_to(Settings()).server_cors_origins == (  # the last valid list is kept
        "http://localhost:3000", "https://chat.example.org")
