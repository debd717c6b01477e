"""An answer that ends while the model is still thinking (no `</think>` before the end or the
token limit): the app says so and offers Continue, which writes on into the same message. The
real app and llama.cpp on a tiny model scripted with grammars."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from backend.chat.messages import MessageState
from backend.engine.local_engine import LocalEngine
from tests.gui.conftest import MakeApp
from tests.support.gui import send

# Reasoning that never closes its think block: the token limit ends it.
ENDLESS = 'root ::= "Let me think about" (" it" | " this" | " more")*'
# The continuation: a little more reasoning, then the answer.
THEN_ANSWER = 'root ::= " and so on." "</think>" "\\n\\nThe answer is **4**."'
STOPPED = "The model stopped while thinking."


def continue_clicked(qtbot: QtBot, app, message_id: str) -> None:
    widget = app.window.chat_view.message_widget(message_id)
    with qtbot.waitSignal(app.chat.generating_changed, timeout=60_000,
                          check_params_cb=lambda busy: not busy):
        qtbot.mouseClick(widget.continue_button, Qt.MouseButton.LeftButton)


def test_an_answer_that_stops_while_thinking_says_so_and_continues(
    qtbot: QtBot, make_app: MakeApp, r1_model: Path
) -> None:
    engine = LocalEngine(grammar=ENDLESS)
    app = make_app(r1_model, engine=engine)
    app.chat.max_tokens = 40  # "Let me think about" takes up to ~20 byte-level tokens
    message_id = send(qtbot, app, "What is 2+2?")
    widget = app.window.chat_view.message_widget(message_id)
    assert widget.content() == ""
    assert widget.notice() == STOPPED
    assert widget.can_continue() and widget.continue_button.isVisibleTo(widget)
    panel = widget.reasoning_panel
    assert panel is not None and panel.is_expanded()  # what it thought, in view
    reasoning = panel.reasoning_text()
    assert reasoning.startswith("Let me think about")
    stored = app.store.get_message(message_id)
    assert (stored.state, stored.content, stored.reasoning) == (
        MessageState.COMPLETE, "", reasoning)

    engine.grammar = THEN_ANSWER
    app.chat.max_tokens = None
    continue_clicked(qtbot, app, message_id)
    assert app.window.chat_view.message_ids()[-1] == message_id  # the same message, written on
    assert widget.content() == "The answer is **4**."
    assert panel.reasoning_text() == reasoning + " and so on."
    assert widget.notice() == ""
    assert not widget.can_continue()
    assert panel.header_text().startswith("Thought for")
    stored = app.store.get_message(message_id)
    assert (stored.state, stored.content, stored.reasoning) == (
        MessageState.COMPLETE, "The answer is **4**.", reasoning + " and so on.")
    assert stored.thinking_seconds is not None


def test_a_saved_answer_that_stopped_while_thinking_offers_continue_when_last(
    qtbot: QtBot, make_app: MakeApp, r1_model: Path
) -> None:
    app = make_app(r1_model, grammar=ENDLESS)
    app.chat.max_tokens = 40
    first = send(qtbot, app, "What is 2+2?")
    conversation_id = app.chat.conversation_id
    app.chat.open(None)
    app.chat.open(conversation_id)  # as after a restart: from the database
    reopened = app.window.chat_view.message_widget(first)
    assert reopened.notice() == STOPPED and reopened.can_continue()
    assert reopened.reasoning_panel is not None and reopened.reasoning_panel.is_expanded()

    second = send(qtbot, app, "And 3+3?")
    assert not app.window.chat_view.message_widget(first).can_continue()  # only the last
    assert app.window.chat_view.message_widget(second).can_continue()
    app.chat.open(None)
    app.chat.open(conversation_id)
    view = app.window.chat_view
    assert [view.message_widget(i).can_continue() for i in (first, second)] == [False, True]
    assert view.message_widget(first).notice() == STOPPED  # it says so all the same
