"""System prompts and sampling in the whole app: the default from Settings, a conversation's own
(set from its header, before or after its first message), folded into the first message for R1,
sent with the chosen sampling, saved with the conversation and kept across a restart."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from app.gui.app_controller import AppController
from backend.chat.messages import Sampling
from tests.gui.conftest import MakeApp
from tests.gui.test_app import RecordingEngine
from tests.support.gui import SCRIPT, send
from ui.settings.settings_dialog import SettingsDialog


class SamplingEngine(RecordingEngine):
    """Also remembers the sampler settings of each answer."""

    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)
        self.samplings: list[Sampling] = []

    def generate(self, prompt: str, **kw: Any):  # type: ignore[override]
        self.samplings.append(kw["sampling"])
        yield from super().generate(prompt, **kw)


def edit_presets(qtbot: QtBot, app: AppController, prompt: str | None,
                 temperature: float | None) -> None:
    """Click the header's system prompt, fill the dialog in, OK."""
    header = app.window.conversation_header
    qtbot.mouseClick(header.system_button, Qt.MouseButton.LeftButton)
    dialog = app.chat.presets.dialog
    assert dialog is not None and dialog.isVisible()
    if prompt is None:
        dialog.use_default.setChecked(True)
    else:
        dialog.use_own.setChecked(True)
        dialog.prompt.setPlainText(prompt)
    dialog.use_recommended.setChecked(temperature is None)
    if temperature is not None:
        dialog.temperature.setValue(temperature)
    ok = next(b for b in dialog.findChildren(QPushButton) if b.text() == "OK")
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)


def test_the_default_then_a_conversations_own_system_prompt_and_sampling(
        qtbot: QtBot, make_app: MakeApp, r1_model: Path, out_dir: Path) -> None:
    engine = SamplingEngine(grammar=SCRIPT)
    app = make_app(r1_model, engine=engine)
    header = app.window.conversation_header
    assert (header.system_button.text(), header.sampling_button.text()) == (
        "No system prompt", "Temperature 0.6 · top-p 0.95")
    app.apply_settings(replace(app.settings, system_prompt="Answer in French."))
    assert header.system_button.text() == "System prompt: default"
    assert header.system_button.toolTip() == (
        "Answer in French.\n\nDeepSeek-R1 has no system role: as DeepSeek advises, the system "
        "prompt goes at the start of the first message instead.")
    send(qtbot, app, "What is 2+2?")
    assert "<｜User｜>Answer in French.\n\nWhat is 2+2?<｜Assistant｜>" in engine.prompts[-1]
    assert engine.samplings[-1] == Sampling(temperature=0.6, top_p=0.95)

    edit_presets(qtbot, app, "Be brief.", 0.9)
    assert (header.system_button.text(), header.sampling_button.text()) == (
        "System prompt: custom", "Temperature 0.9 · top-p 0.95")
    send(qtbot, app, "And 3+3?")
    assert "<｜User｜>Be brief.\n\nWhat is 2+2?" in engine.prompts[-1]
    assert "French" not in engine.prompts[-1]
    assert engine.samplings[-1] == Sampling(temperature=0.9, top_p=0.95)
    conversation = app.store.get_conversation(app.chat.conversation_id)
    assert (conversation.system_prompt, conversation.sampling) == (
        "Be brief.", Sampling(temperature=0.9, top_p=0.95))
    app.window.resize(1000, 640)
    qtbot.wait(50)
    app.window.grab().save(str(out_dir / "presets-header.png"))

    # A new chat starts from the defaults; presets set before its first message are kept.
    app.window.new_chat_action.trigger()
    assert header.system_button.text() == "System prompt: default"
    edit_presets(qtbot, app, "", None)  # none at all for this one
    assert header.system_button.text() == "No system prompt"
    send(qtbot, app, "Hi")
    assert "French" not in engine.prompts[-1] and "<｜User｜>Hi<｜Assistant｜>" in engine.prompts[-1]
    fresh = app.store.get_conversation(app.chat.conversation_id)
    assert (fresh.system_prompt, fresh.sampling) == ("", None)

    # Kept across a restart: the first conversation opens with its own presets.
    first = conversation.id
    app.shutdown()
    again = make_app(None)
    again.chat.open(first)
    header = again.window.conversation_header
    assert (header.system_button.text(), header.sampling_button.text()) == (
        "System prompt: custom", "Temperature 0.9 · top-p 0.95")


def test_settings_edit_the_default_system_prompt(qtbot: QtBot, make_app: MakeApp) -> None:
    app = make_app(None)
    dialog = SettingsDialog(replace(app.settings, system_prompt="Old"))
    qtbot.addWidget(dialog)
    assert dialog.system_prompt.toPlainText() == "Old"
    dialog.system_prompt.setPlainText("用中文回答。")
    assert dialog.value().system_prompt == "用中文回答。"
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == [
        "Model", "Chat", "Sampling", "Servers", "API server", "App"]
