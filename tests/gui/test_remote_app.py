"""The whole app, offscreen, with a remote engine: a scripted OpenAI-compatible server on
127.0.0.1 next to the real local engine. Waits only on GUI-thread signals."""

from __future__ import annotations

import functools
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from app.gui.settings_controller import open_settings_dialog
from backend.paths import app_paths
from backend.remote.connections import (
    Connection,
    ThinkingControl,
    load_connections,
    save_connections,
)
from backend.settings import Settings, save_settings
from tests.gui.conftest import MakeApp
from tests.support.fake_openai import API_KEY, FakeOpenAI
from tests.support.gui import SCRIPT, send
from tests.support.remote_fixtures import connection_to
from ui.model_bar import ModelBar


@pytest.fixture
def make_app(make_app: MakeApp) -> MakeApp:
    return functools.partial(make_app, grammar=SCRIPT)


def deepseek_api(server: FakeOpenAI) -> Connection:
    return connection_to(server, "deepseek-chat", name="DeepSeek API",
                         thinking=ThinkingControl.MODEL_PAIR, thinking_model="deepseek-reasoner")


def choose(bar: ModelBar, key: str) -> None:
    """Pick an entry in the model picker, as the user does."""
    index = bar.picker.findData(key)
    assert index >= 0, f"{key} is not in the picker"
    bar.picker.setCurrentIndex(index)
    bar.picker.activated.emit(index)


def test_switch_a_conversation_to_a_server_and_back(qtbot: QtBot, make_app: MakeApp,
                                                    r1_model: Path,
                                                    fake_openai: FakeOpenAI) -> None:
    remote = deepseek_api(fake_openai)
    save_connections([remote], app_paths().connections_file)
    app = make_app(r1_model)
    send(qtbot, app, "What is 2+2?")  # answered by the local model
    conversation = app.chat.conversation_id
    bar = app.window.model_bar
    labels = [bar.picker.itemText(i) for i in range(bar.picker.count())]
    assert labels[-1] == "☁ DeepSeek API · deepseek-chat / deepseek-reasoner"

    choose(bar, str(remote.engine))
    assert app.store.get_conversation(conversation).engine == remote.engine
    assert bar.status.text() == "☁ DeepSeek API · deepseek-chat / deepseek-reasoner"
    if not app.window.composer.deep_thinking.isChecked():
        app.window.composer.deep_thinking.click()
    answer = send(qtbot, app, "And with deep thinking?")

    widget = app.window.chat_view.message_widget(answer)
    assert widget.content() == "The answer is **4**."
    assert widget.reasoning_panel.reasoning_text() == "Let me think."
    assert widget.reasoning_panel.header_text().startswith("Thought for")
    stored = app.store.messages(conversation)[-1]
    assert (stored.content, stored.reasoning) == ("The answer is **4**.", "Let me think.")
    assert stored.model == "DeepSeek API · deepseek-reasoner"
    assert stored.stats is not None and stored.stats.completion_tokens == 9
    assert "tok/s" in app.window.speed_label.text()
    body = fake_openai.chat_requests()[-1].body
    assert body is not None and body["model"] == "deepseek-reasoner"
    # The local answer goes back without its reasoning.
    assert body["messages"] == [
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "The answer is **4**."},
        {"role": "user", "content": "And with deep thinking?"}]

    choose(bar, str(r1_model))  # back to the local model: still loaded, no reload
    assert app.models.loading is None and app.models.ready()
    assert app.store.get_conversation(conversation).engine.is_local
    assert bar.status.text().startswith("DeepSeek-R1 · ")
    send(qtbot, app, "Local again")
    assert len(fake_openai.chat_requests()) == 1


def test_the_conversation_keeps_its_server_after_a_restart(
        qtbot: QtBot, make_app: MakeApp, fake_openai: FakeOpenAI) -> None:
    remote = connection_to(fake_openai, "v3.1", name="GPU cluster")
    save_connections([remote], app_paths().connections_file)
    first = make_app(None)
    assert not first.settings.welcome_shown  # servers configured: no first-run model chooser
    choose(first.window.model_bar, str(remote.engine))
    answer = send(qtbot, first, "Hi")
    assert first.window.chat_view.message_widget(answer).content() == "The answer is 4."
    conversation = first.chat.conversation_id
    assert first.store.get_conversation(conversation).engine == remote.engine
    first.shutdown()

    second = make_app(None)
    assert second.chat.conversation_id == conversation
    assert second.models.engine() == remote.engine
    assert second.window.model_bar.current_key() == str(remote.engine)
    assert second.models.ready()
    second.window.composer.deep_thinking.click()  # on: the template switch, no model change
    answer = send(qtbot, second, "Think first")
    widget = second.window.chat_view.message_widget(answer)
    assert widget.reasoning_panel.reasoning_text() == "Let me see."
    assert widget.content() == "The answer is 4."
    assert fake_openai.chat_requests()[-1].body["chat_template_kwargs"] == {  # type: ignore[index]
        "thinking": True, "enable_thinking": True}


def test_stop_closes_the_remote_stream_within_200_ms(qtbot: QtBot, make_app: MakeApp,
                                                     fake_openai: FakeOpenAI) -> None:
    remote = connection_to(fake_openai, "slow", name="Slow box")
    save_connections([remote], app_paths().connections_file)
    app = make_app(None)
    choose(app.window.model_bar, str(remote.engine))
    app.window.composer.set_text("Tick")
    qtbot.mouseClick(app.window.composer.send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(app.chat.streaming and app.chat.streaming.content),
                    timeout=10_000)
    started = time.perf_counter()
    with qtbot.waitSignal(app.chat.generating_changed, timeout=2_000,
                          check_params_cb=lambda busy: not busy):
        qtbot.mouseClick(app.window.composer.send, Qt.MouseButton.LeftButton)  # now "Stop"
    assert time.perf_counter() - started < 0.2
    assert fake_openai.disconnected.wait(2)
    message = app.store.messages(app.chat.conversation_id)[-1]
    assert message.state.value == "cancelled" and message.content.startswith("tick 0")


def test_a_rejected_key_is_explained_on_the_answer(qtbot: QtBot, make_app: MakeApp,
                                                   fake_openai: FakeOpenAI) -> None:
    remote = connection_to(fake_openai, name="DeepSeek API", api_key="sk-revoked-00000000")
    save_connections([remote], app_paths().connections_file)
    save_settings(Settings(welcome_shown=True), app_paths().settings_file)
    app = make_app(None)
    choose(app.window.model_bar, str(remote.engine))
    answer = send(qtbot, app, "Hi")
    assert app.window.chat_view.message_widget(answer).notice() == (
        "DeepSeek API rejected the API key (HTTP 401). Check the key set for this connection.")
    assert app.store.messages(app.chat.conversation_id)[-1].state.value == "error"


def test_add_test_and_remove_servers_in_settings(qtbot: QtBot, make_app: MakeApp,
                                                 fake_openai: FakeOpenAI) -> None:
    save_settings(Settings(welcome_shown=True), app_paths().settings_file)
    app = make_app(None)
    dialog = open_settings_dialog(app)
    page = dialog.connections_page
    assert page.connections() == []
    # This llama.cpp has no RPC: the option is not offered.
    assert not dialog.rpc_servers.isVisibleTo(dialog)

    added = page.add_connection("deepseek")
    # DeepSeek's API: one model (deepseek-chat / deepseek-reasoner were retired), and its own
    # thinking switch.
    assert (added.name, added.model, added.thinking, added.thinking_model) == (
        "DeepSeek API", "deepseek-v4-flash", ThinkingControl.API_SWITCH, None)
    assert page.thinking.currentData() == "api_switch" and not page.thinking_model.isEnabled()
    page.base_url.setText(fake_openai.url)
    page.base_url.textEdited.emit(fake_openai.url)
    page.api_key.setText(API_KEY)
    page.api_key.textEdited.emit(API_KEY)
    assert page.api_key.echoMode() == page.api_key.EchoMode.Password
    item = page.list.item(0).text()
    assert API_KEY not in item and "key sk-…cdef" in item

    page.test_button.click()
    qtbot.waitUntil(lambda: page.test_button.isEnabled(), timeout=10_000)
    assert page.status.text().startswith(
        "DeepSeek API: Connected: 18 models (deepseek-chat, deepseek-reasoner, v3.1, …); "
        "first token in ")

    page.base_url.setText("nowhere")
    page.base_url.textEdited.emit("nowhere")
    assert page.status.text() == ("'nowhere' is not a server address: it must start with "
                                  "http:// or https:// and name a host, e.g. "
                                  "http://127.0.0.1:8000/v1.")
    assert page.connections()[0].base_url == fake_openai.url  # the invalid edit is not kept

    page.add_connection("vllm")
    apply = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Apply)
    with qtbot.waitSignal(dialog.connections_applied):
        apply.click()
    saved = load_connections(app_paths().connections_file)
    assert [c.name for c in saved] == ["DeepSeek API", "vLLM or SGLang"]
    assert saved[0].api_key == API_KEY
    picker = app.window.model_bar.picker
    assert [picker.itemText(i) for i in range(picker.count())][-2:] == [
        "☁ DeepSeek API · deepseek-v4-flash",
        "☁ vLLM or SGLang · deepseek-ai/DeepSeek-V3.1"]

    page.list.setCurrentRow(1)
    page.remove_button.click()
    apply.click()
    assert [c.name for c in load_connections(app_paths().connections_file)] == ["DeepSeek API"]
    dialog.close()


def test_rpc_workers_field_when_llama_cpp_has_rpc(qtbot: QtBot) -> None:
    from ui.settings.settings_dialog import SettingsDialog

    dialog = SettingsDialog(Settings(rpc_servers=("10.0.0.2:50052",)), rpc_supported=True)
    qtbot.addWidget(dialog)
    assert dialog.rpc_servers.isVisibleTo(dialog)
    assert dialog.rpc_servers.text() == "10.0.0.2:50052"
    dialog.rpc_servers.textEdited.emit("10.0.0.2:50052, gpu-3")
    assert dialog.rpc_error.text() == ("'gpu-3' is not an RPC worker address: write host:port, "
                                       "e.g. 192.168.1.20:50052.")
    assert dialog.value().rpc_servers == ("10.0.0.2:50052",)  # the last valid list
    dialog.rpc_servers.textEdited.emit("10.0.0.2:50052, gpu-3:50052")
    assert dialog.rpc_error.text() == ""
    assert dialog.value().rpc_servers == ("10.0.0.2:50052", "gpu-3:50052")


def test_a_removed_connection_hands_the_conversation_back(qtbot: QtBot, make_app: MakeApp,
                                                          fake_openai: FakeOpenAI) -> None:
    remote = connection_to(fake_openai, "v3.1", name="GPU cluster")
    save_connections([remote], app_paths().connections_file)
    save_settings(Settings(welcome_shown=True), app_paths().settings_file)
    first = make_app(None)
    choose(first.window.model_bar, str(remote.engine))
    send(qtbot, first, "Hi")
    first.shutdown()
    save_connections([], app_paths().connections_file)  # removed (say, by another window) while the app was closed

    second = make_app(None)
    assert second.models.engine().is_local and not second.models.ready()
    assert second.window.model_bar.status.text() == (
        "The server connection this conversation used was removed; the local model answers "
        "it now.")
    # Removing the connection in use from Settings does the same, and says so in the store.
    second.apply_connections([remote])
    choose(second.window.model_bar, str(remote.engine))
    second.apply_connections([])
    assert second.models.engine().is_local
    assert second.store.get_conversation(second.chat.conversation_id).engine.is_local
