"""The whole app, offscreen: real widgets, the real generation thread, llama.cpp on a tiny model."""

from __future__ import annotations

import functools
import time
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.gui.app_controller import AppController
from backend.engine.local_engine import LocalEngine
from backend.paths import app_paths
from backend.settings import load_settings
from tests.gui.conftest import MakeApp
from tests.support.gui import SCRIPT, send


@pytest.fixture
def make_app(make_app: MakeApp) -> MakeApp:
    """Answers follow SCRIPT unless a test scripts its own."""
    return functools.partial(make_app, grammar=SCRIPT)


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


class RecordingEngine(LocalEngine):
    """The real engine, remembering the prompts it was given."""

    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.prompts: list[str] = []

    def generate(self, prompt: str, **kw: object):  # type: ignore[override]
        self.prompts.append(prompt)
        yield from super().generate(prompt, **kw)  # type: ignore[arg-type]


def make_recording_app(make_app, model: Path, grammar: str | None = SCRIPT) -> tuple[AppController, RecordingEngine]:
    engine = RecordingEngine(grammar=grammar)
    app = make_app(model, engine=engine)
    return app, engine


def test_reasoning_panel_live_then_folded_then_expanded(qtbot: QtBot, make_app, r1_model: Path) -> None:
    app = make_app(r1_model)
    app.window.composer.set_text("What is 2+2?")
    qtbot.mouseClick(app.window.composer.send, Qt.MouseButton.LeftButton)
    message_id = app.window.chat_view.message_ids()[-1]
    panel = app.window.chat_view.message_widget(message_id).reasoning_panel
    assert panel.is_live() and panel.header_text().startswith("Thinking…")
    qtbot.waitUntil(lambda: app.chat.streaming is None, timeout=60_000)
    assert not panel.is_live() and not panel.is_expanded()
    assert panel.header_text().startswith("Thought for")
    qtbot.mouseClick(panel.toggle_button, Qt.MouseButton.LeftButton)
    assert panel.is_expanded()
    # With "keep the reasoning expanded" on, the next answer's panel stays open.
    app.apply_settings(replace(app.settings, reasoning_expanded=True))
    second = send(qtbot, app, "And 3+3?")
    assert app.window.chat_view.message_widget(second).reasoning_panel.is_expanded()
    assert load_settings(app_paths().settings_file).reasoning_expanded is True


def test_deep_thinking_toggle_changes_the_prompt(qtbot: QtBot, make_app, r1_model: Path, v31_model: Path) -> None:
    app, engine = make_recording_app(make_app, r1_model)
    app.window.composer.set_deep_thinking(True)
    send(qtbot, app, "Hi")
    assert engine.prompts[-1].endswith("<｜Assistant｜><think>\n")
    app.window.composer.deep_thinking.click()  # off
    answer = send(qtbot, app, "Hi again")
    assert engine.prompts[-1].endswith("<think>\n\n</think>\n\n")
    widget = app.window.chat_view.message_widget(answer)
    assert widget.reasoning_panel is None  # R1 answered directly: no reasoning to show
    assert widget.content().startswith("Let me think about it.")

    hybrid, hybrid_engine = make_recording_app(make_app, v31_model)
    hybrid.window.composer.set_deep_thinking(False)
    send(qtbot, hybrid, "Hi")
    assert hybrid_engine.prompts[-1].endswith("<｜Assistant｜></think>")
    hybrid.window.composer.deep_thinking.click()  # on: same model, no reload
    send(qtbot, hybrid, "Hi")
    assert hybrid_engine.prompts[-1].endswith("<｜Assistant｜><think>")
    assert hybrid.models.loaded.info.path == v31_model


def test_only_v3_offers_to_download_r1(qtbot: QtBot, make_app, v3_model: Path) -> None:
    app, engine = make_recording_app(make_app, v3_model)
    with qtbot.waitSignal(app.models.download_offered) as offered:
        app.window.composer.deep_thinking.click()
    assert offered.args == ["deepseek-r1"]
    assert not app.window.composer.deep_thinking.isChecked()
    send(qtbot, app, "Hi")
    assert engine.prompts[-1].endswith("<｜Assistant｜>")


def test_stop_takes_effect_within_200_ms(qtbot: QtBot, make_app, r1_model: Path) -> None:
    app = make_app(r1_model, grammar='root ::= "ab " root')  # never ends by itself
    app.window.composer.set_text("Go on forever")
    qtbot.mouseClick(app.window.composer.send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(app.chat.streaming.reasoning) >= 6 if app.chat.streaming else False,
                    timeout=60_000)
    started = time.perf_counter()
    with qtbot.waitSignal(app.chat.generating_changed, timeout=2_000,
                          check_params_cb=lambda busy: not busy):
        qtbot.mouseClick(app.window.composer.send, Qt.MouseButton.LeftButton)  # now "Stop"
    elapsed = time.perf_counter() - started
    message = app.store.messages(app.chat.conversation_id)[-1]
    # The stop is seen between two tokens: 200 ms, or three tokens' time on a machine so busy
    # (other processes on both cores) that one token of this tiny model takes longer.
    assert message.stats is not None and message.stats.decode_tps > 0
    assert elapsed < max(0.2, 3 / message.stats.decode_tps), message.stats
    assert message.state.value == "cancelled" and message.reasoning.startswith("ab ab")
    assert app.window.chat_view.message_widget(message.id).notice() == "Stopped."


def test_conversations_survive_a_restart(qtbot: QtBot, make_app, r1_model: Path) -> None:
    first = make_app(r1_model)
    send(qtbot, first, "Remember me")
    first.shutdown()
    second = make_app(None)
    items = second.window.sidebar.list
    assert items.count() == 1 and items.item(0).text() == "Remember me"
    second.window.chat_view.flush_rendering()
    ids = second.window.chat_view.message_ids()
    assert [second.window.chat_view.message_widget(i).content() for i in ids] == [
        "Remember me", "The answer is **4**."]


def test_model_output_html_stays_inert(qtbot: QtBot, make_app, v3_model: Path) -> None:
    grammar = 'root ::= "<script>alert(1)</script> <img src=\\"http://example.com/x.png\\"> done"'
    app = make_app(v3_model, grammar=grammar)
    answer = send(qtbot, app, "Say HTML")
    view = app.window.chat_view.message_widget(answer).answer_view
    text = view.toPlainText()
    assert "<script>alert(1)</script>" in text and '<img src="http://example.com/x.png">' in text


def test_a_corrupt_model_file_is_explained_in_the_window(qtbot: QtBot, make_app, r1_model: Path,
                                                         tmp_path: Path) -> None:
    app = make_app(None)
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(r1_model.read_bytes()[:-5000])
    app.models.open_file(str(broken))
    assert app.window.model_bar.status.text().startswith("broken.gguf is truncated")
    assert not app.models.ready()
    app.models.open_file(str(r1_model))  # the app stays usable
    qtbot.waitUntil(app.models.ready, timeout=60_000)


def test_kill_during_streaming_keeps_the_partial_answer(qtbot: QtBot, make_app, r1_model: Path,
                                                        tmp_path: Path) -> None:
    import os
    import signal
    import sqlite3
    import subprocess
    import sys

    home = tmp_path / "home"
    db = home / "data" / "conversations.sqlite3"
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen([sys.executable, "-m", "tests.support.app_streamer", str(home),
                             str(r1_model)], cwd=root, env=env)
    saved = ""
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(saved) < 60:
            time.sleep(0.1)
            if not db.exists():
                continue
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            try:
                row = conn.execute("SELECT reasoning FROM messages WHERE role = 'assistant'"
                                   ).fetchone()
                saved = row[0] if row else ""
            except sqlite3.OperationalError:  # the app is still creating its tables
                pass
            finally:
                conn.close()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert len(saved) >= 60, "the streaming answer was never saved"

    app = make_app(None)  # relaunch on the same data
    app.window.chat_view.flush_rendering()
    last = app.window.chat_view.message_widget(app.window.chat_view.message_ids()[-1])
    assert last.reasoning_panel.reasoning_text().startswith(saved.strip()[:50])
    assert last.notice() == "Interrupted: the app closed while this answer was being written."
    stored = app.store.messages(app.chat.conversation_id)[-1]
    assert stored.state.value == "interrupted" and len(stored.reasoning) >= len(saved)


def test_first_run_welcomes_and_offers_a_model(qtbot: QtBot, make_app) -> None:
    from app.gui.downloads.download_controller import open_download_dialog

    app = make_app(None)
    assert app.window.pages.currentWidget() is app.window.empty_state
    assert app.window.empty_state.title.text() == "Welcome to DeepSeek Local"
    assert app.window.empty_state.get_model.isVisible()
    dialog = open_download_dialog(app.window, app.downloads)  # the one start() opened
    assert dialog.isVisible()
    assert load_settings(app_paths().settings_file).welcome_shown
    dialog.close()
    again = make_app(None)  # second run: no automatic dialog
    assert again.settings.welcome_shown


def test_a_deleted_conversation_takes_its_kv_snapshot_along(qtbot: QtBot, make_app,
                                                            r1_model: Path) -> None:
    app = make_app(r1_model)
    send(qtbot, app, "Notes: " + " ".join(f"apple{i}" for i in range(100)))
    assert app.snapshots.flush()
    folder = app.paths.kv_snapshots
    assert len(list(folder.glob("*.kvsnap"))) == 1
    app.window.sidebar.delete_requested.emit(app.chat.conversation_id)
    assert list(folder.glob("*.kvsnap")) == []
    assert app.snapshots.usage() == 0
