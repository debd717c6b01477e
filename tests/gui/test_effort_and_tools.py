"""The reasoning effort beside Deep thinking (V4 only, saved per conversation) and tool calls a
model tried, folded, in the whole app on tiny generated V4 and R1 models."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from backend.chat.tool_calls import ToolCall, split_tool_blocks
from tests.gui.conftest import MakeApp
from tests.gui.test_app import SCRIPT, make_recording_app, send

EFFORT_MAX = "<｜begin▁of▁sentence｜>Reasoning Effort: Absolute maximum with no shortcuts"
TOOL_SCRIPT = (
    'root ::= "Let me check the weather." "\\n\\n<｜DSML｜tool_calls>\\n<｜DSML｜invoke '
    'name=\\"get_weather\\">\\n<｜DSML｜parameter name=\\"city\\" string=\\"true\\">Paris'
    '</｜DSML｜parameter>\\n<｜DSML｜parameter name=\\"days\\" string=\\"false\\">3'
    '</｜DSML｜parameter>\\n</｜DSML｜invoke>\\n</｜DSML｜tool_calls>"'
)


def choose_effort(app: object, label: str) -> None:
    """What a user does: pick an entry of the effort list."""
    combo = app.window.composer.effort  # type: ignore[attr-defined]
    index = combo.findText(label)
    assert index >= 0, [combo.itemText(i) for i in range(combo.count())]
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def test_the_effort_choice_is_there_for_v4_saved_per_conversation_and_not_for_r1(
        qtbot: QtBot, make_app: MakeApp, v4_model: Path, r1_model: Path) -> None:
    app, engine = make_recording_app(make_app, v4_model, grammar=SCRIPT)
    composer = app.window.composer
    effort = composer.effort
    assert effort.isVisible()
    assert [effort.itemText(i) for i in range(effort.count())] == ["Normal effort", "Max effort"]
    composer.set_deep_thinking(False)
    assert not effort.isEnabled()  # effort only matters while the model thinks
    composer.deep_thinking.click()
    assert effort.isEnabled()
    choose_effort(app, "Max effort")
    send(qtbot, app, "What is 2+2?")
    assert engine.prompts[-1].startswith(EFFORT_MAX)
    assert engine.prompts[-1].endswith("<｜Assistant｜><think>")
    first = app.chat.conversation_id
    assert first is not None and app.store.get_conversation(first).reasoning_effort == "max"
    # A new conversation starts at the normal effort, and keeps it.
    qtbot.mouseClick(app.window.sidebar.new_button, Qt.MouseButton.LeftButton)
    assert effort.currentText() == "Normal effort"
    send(qtbot, app, "And 3+3?")
    assert "Reasoning Effort" not in engine.prompts[-1]
    second = app.chat.conversation_id
    assert second != first and app.store.get_conversation(second).reasoning_effort is None
    app.chat.open(first)  # back to the first: its effort comes back
    assert effort.currentText() == "Max effort"
    # Deep thinking off: no preamble, whatever the saved effort.
    composer.deep_thinking.click()
    send(qtbot, app, "Quickly?")
    assert "Reasoning Effort" not in engine.prompts[-1]

    r1 = make_app(r1_model)
    assert not r1.window.composer.effort.isVisible()  # R1's template knows no effort levels


def test_a_tool_call_the_model_tried_is_folded_saved_and_shown_again(
        qtbot: QtBot, make_app: MakeApp, v4_model: Path, tmp_path: Path) -> None:
    app = make_app(v4_model, grammar=TOOL_SCRIPT)
    app.window.composer.set_deep_thinking(False)
    answer_id = send(qtbot, app, "Weather in Paris?")
    widget = app.window.chat_view.message_widget(answer_id)
    assert widget.content() == "Let me check the weather."  # no raw markup in the answer
    panel = widget.tool_call_panel
    assert panel is not None and panel.isVisible() and not panel.is_expanded()
    assert panel.toggle_button.text() == "The model tried to call a tool"
    qtbot.mouseClick(panel.toggle_button, Qt.MouseButton.LeftButton)
    assert panel.is_expanded()
    assert panel.details_text() == 'get_weather\n{\n  "city": "Paris",\n  "days": 3\n}'
    app.window.resize(900, 600)
    qtbot.wait(100)
    app.window.grab().save(str(tmp_path / "tool-call.png"))
    # Saved with the message, as a block the view recognises; shown the same when reopened.
    conversation = app.chat.conversation_id
    assert conversation is not None
    stored = app.store.messages(conversation)[-1]
    assert "｜DSML｜" not in stored.content
    assert split_tool_blocks(stored.content) == (
        "Let me check the weather.", (ToolCall("get_weather", '{"city": "Paris", "days": 3}'),))
    app.chat.open(conversation)
    reopened = app.window.chat_view.message_widget(answer_id)
    assert reopened.content() == "Let me check the weather."
    assert reopened.tool_call_panel is not None
    assert reopened.tool_call_panel.calls() == (
        ToolCall("get_weather", '{"city": "Paris", "days": 3}'),)
