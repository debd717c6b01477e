"""Deep thinking with V3 and R1 both installed, the toggle per conversation, and closing the
window mid-answer."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from backend.hub.library import Library
from backend.paths import app_paths

ENDLESS = 'root ::= "ab " root'



def test_toggle_switches_between_installed_v3_and_r1(qtbot: QtBot, app_home: Path, make_app,
                                                      r1_model: Path, v3_model: Path) -> None:
    folder = app_home / "models"
    folder.mkdir()
    r1 = Path(shutil.copy(r1_model, folder / "DeepSeek-R1-Tiny.gguf"))
    v3 = Path(shutil.copy(v3_model, folder / "DeepSeek-V3-0324-Tiny.gguf"))
    Library.of(app_paths()).add_folder(folder)
    app = make_app(v3)
    assert {m.key for m in app.models.installed} == {str(r1), str(v3)}
    app.window.composer.deep_thinking.click()  # on: V3 cannot think, R1 is installed
    assert app.window.model_bar.progress.isVisible() or app.models.loading is not None
    qtbot.waitUntil(lambda: app.models.ready() and app.models.loaded.info.path == r1,
                    timeout=60_000)
    app.window.composer.deep_thinking.click()  # off: back to V3
    qtbot.waitUntil(lambda: app.models.ready() and app.models.loaded.info.path == v3,
                    timeout=60_000)


def test_the_toggle_is_remembered_per_conversation(qtbot: QtBot, app_home: Path, make_app,
                                                   v31_model: Path) -> None:
    app = make_app(v31_model, grammar='root ::= "Fine."')
    composer = app.window.composer

    def ask(text: str) -> None:
        composer.set_text(text)
        with qtbot.waitSignal(app.chat.generating_changed, timeout=60_000,
                              check_params_cb=lambda busy: not busy):
            qtbot.mouseClick(composer.send, Qt.MouseButton.LeftButton)

    composer.set_deep_thinking(False)
    ask("first")
    first = app.chat.conversation_id
    composer.deep_thinking.click()  # on, in the first conversation
    app.window.sidebar.new_requested.emit()
    composer.set_deep_thinking(False)
    ask("second")
    second = app.chat.conversation_id
    assert not composer.deep_thinking.isChecked()
    app.window.sidebar.selected.emit(first)
    assert composer.deep_thinking.isChecked()
    app.window.sidebar.selected.emit(second)
    assert not composer.deep_thinking.isChecked()


def test_closing_the_window_mid_answer_stops_within_two_seconds(qtbot: QtBot, app_home: Path,
                                                                 make_app, r1_model: Path) -> None:
    app = make_app(r1_model, grammar=ENDLESS)
    app.window.composer.set_text("Go on forever")
    qtbot.mouseClick(app.window.composer.send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(app.chat.streaming
                                 and app.chat.streaming.reasoning.startswith("ab ab")),
                    timeout=60_000)
    started = time.perf_counter()
    app.window.close()  # the app's shutdown runs from closeEvent
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0
    assert not app.generation.worker_thread.isRunning()
    # What had streamed is saved, resumable as an interrupted answer on the next launch.
    saved = app.store  # closed now; reopen through a new app
    del saved
    again = make_app(None)
    message = again.store.messages(again.chat.conversation_id)[-1]
    assert message.reasoning.startswith("ab ab")
    assert message.state.value in ("interrupted", "cancelled")
