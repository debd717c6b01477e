"""The whole app, offscreen: real widgets, the real generation thread, llama.cpp on a tiny model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.app_controller import AppController
from app.generation_worker import GenerationThread, GenerationWorker
from backend.engine import LocalEngine
from backend.paths import app_paths

SCRIPT = 'root ::= "Let me think about it." "</think>" "\\n\\nThe answer is **4**."'


@pytest.fixture
def make_app(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setenv("DEEPSEEK_LOCAL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    controllers: list[AppController] = []

    def make(model: Path | None, grammar: str | None = SCRIPT) -> AppController:
        generation = GenerationThread(GenerationWorker(LocalEngine(grammar=grammar)))
        controller = AppController(QApplication.instance(), app_paths().ensure(),
                                   model=str(model) if model else None, generation=generation)
        qtbot.addWidget(controller.window)
        controller.window.show()
        controllers.append(controller)
        if model:
            qtbot.waitUntil(controller.models.ready, timeout=20_000)
        return controller

    yield make
    for controller in controllers:
        controller.shutdown()


def send(qtbot: QtBot, app: AppController, text: str) -> str:
    app.window.composer.set_text(text)
    # Wait on the GUI-thread controller, never on the worker's own signals.
    with qtbot.waitSignal(app.chat.generating_changed, timeout=20_000,
                          check_params_cb=lambda busy: not busy):
        qtbot.mouseClick(app.window.composer.send, Qt.MouseButton.LeftButton)
    return app.window.chat_view.message_ids()[-1]


def test_send_a_message_and_see_the_answer(qtbot: QtBot, make_app, r1_model: Path) -> None:
    app = make_app(r1_model)
    assert "DeepSeek-R1" in app.window.model_bar.status.text()
    message_id = send(qtbot, app, "What is 2+2?")
    widget = app.window.chat_view.message_widget(message_id)
    assert widget.content() == "The answer is **4**."
    panel = widget.reasoning_panel
    assert panel.reasoning_text() == "Let me think about it."
    assert panel.header_text().startswith("Thought for")
    assert not panel.is_expanded()
    conversation = app.store.conversations()[0]
    assert conversation.title == "What is 2+2?"
    stored = app.store.messages(conversation.id)
    assert [m.role.value for m in stored] == ["user", "assistant"]
    assert stored[1].content == "The answer is **4**."
    assert stored[1].reasoning == "Let me think about it."
    assert "tok/s" in app.window.speed_label.text()


def test_screenshot_main_window(qtbot: QtBot, make_app, r1_model: Path, tmp_path: Path) -> None:
    app = make_app(r1_model)
    send(qtbot, app, "What is 2+2?")
    app.window.resize(1180, 780)
    qtbot.wait(200)
    out = Path(__import__("os").environ.get("SCREENSHOT_DIR", tmp_path))
    app.window.grab().save(str(out / "main-light.png"))
