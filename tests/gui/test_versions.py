"""Answer versions in the whole app: Regenerate and Edit and resend keep the earlier versions,
"‹ 2/3 ›" switches between them with the turns that followed each, the model is asked with the
chosen path only, and it all survives a restart."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.gui.app_controller import AppController
from tests.gui.conftest import MakeApp
from tests.gui.test_app import RecordingEngine
from tests.support.gui import send


def script(word: str) -> str:
    return f'root ::= "Thinking {word}." "</think>" "\\n\\nAnswer {word}."'


def shown(app: AppController) -> list[tuple[str, str]]:
    """What the chat shows: each message's text and its "n/m" ("" with one version)."""
    view = app.window.chat_view
    view.flush_rendering()
    rows = []
    for message_id in view.message_ids():
        widget = view.message_widget(message_id)
        switcher = widget.version_switcher
        rows.append((widget.content(), switcher.text() if switcher.isVisibleTo(widget) else ""))
    return rows


def click(qtbot: QtBot, button: object) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def wait_answer(qtbot: QtBot, app: AppController, action: object) -> None:
    with qtbot.waitSignal(app.chat.generating_changed, timeout=60_000,
                          check_params_cb=lambda busy: not busy):
        click(qtbot, action)


def test_regenerate_and_edit_keep_versions_that_switch_and_survive_a_restart(
        qtbot: QtBot, make_app: MakeApp, r1_model: Path, out_dir: Path) -> None:
    engine = RecordingEngine(grammar=script("one"))
    app = make_app(r1_model, engine=engine)
    view = app.window.chat_view
    first = send(qtbot, app, "Question")
    first_prompt = engine.prompts[-1]

    # Regenerate: a second answer beside the first.
    engine.grammar = script("two")
    wait_answer(qtbot, app, view.message_widget(first).regenerate_button)
    assert shown(app) == [("Question", ""), ("Answer two.", "2/2")]
    assert engine.prompts[-1] == first_prompt  # asked the same question, without answer one
    second = view.message_ids()[-1]
    switcher = view.message_widget(second).version_switcher
    assert not switcher.next.isEnabled() and switcher.previous.isEnabled()

    # Back to the first answer, and a follow-up under it.
    click(qtbot, switcher.previous)
    assert shown(app) == [("Question", ""), ("Answer one.", "1/2")]
    engine.grammar = script("three")
    send(qtbot, app, "Follow-up")
    assert "Answer one." in engine.prompts[-1] and "Answer two." not in engine.prompts[-1]
    assert shown(app)[1:] == [("Answer one.", "1/2"), ("Follow-up", ""), ("Answer three.", "")]

    # The follow-up belongs to the first answer: the second has none.
    click(qtbot, view.message_widget(view.message_ids()[1]).version_switcher.next)
    assert shown(app) == [("Question", ""), ("Answer two.", "2/2")]
    click(qtbot, view.message_widget(view.message_ids()[1]).version_switcher.previous)
    assert [text for text, _ in shown(app)] == ["Question", "Answer one.", "Follow-up",
                                                "Answer three."]

    # Edit and resend the question: a second question with its own answer.
    question = view.message_widget(view.message_ids()[0])
    question.start_editing()
    question.editor.text_edit.setPlainText("Question, edited")
    engine.grammar = script("four")
    wait_answer(qtbot, app, question.editor.save_button)
    assert shown(app) == [("Question, edited", "2/2"), ("Answer four.", "")]
    assert "Question, edited" in engine.prompts[-1] and "Answer one." not in engine.prompts[-1]
    app.window.resize(1000, 640)
    qtbot.wait(100)
    app.window.grab().save(str(out_dir / "versions.png"))

    # The store holds every version; a restart shows the chosen path, switchable.
    conversation = app.chat.conversation_id
    assert app.store.get_conversation(conversation).message_count == 7
    app.shutdown()
    again = make_app(None)
    assert again.chat.conversation_id == conversation
    assert shown(again) == [("Question, edited", "2/2"), ("Answer four.", "")]
    view = again.window.chat_view
    click(qtbot, view.message_widget(view.message_ids()[0]).version_switcher.previous)
    assert [text for text, version in shown(again)] == ["Question", "Answer one.", "Follow-up",
                                                        "Answer three."]
    assert shown(again)[:2] == [("Question", "1/2"), ("Answer one.", "1/2")]


def test_switching_is_disabled_while_an_answer_is_written(
        qtbot: QtBot, make_app: MakeApp, r1_model: Path) -> None:
    engine = RecordingEngine(grammar=script("one"))
    app = make_app(r1_model, engine=engine)
    view = app.window.chat_view
    first = send(qtbot, app, "Question")
    engine.grammar = 'root ::= "ab " root'  # never ends by itself
    click(qtbot, view.message_widget(first).regenerate_button)
    new = view.message_ids()[-1]
    switcher = view.message_widget(new).version_switcher
    assert switcher.text() == "2/2" and not switcher.previous.isEnabled()
    with qtbot.waitSignal(app.chat.generating_changed, timeout=5_000,
                          check_params_cb=lambda busy: not busy):
        app.chat.stop()
    assert switcher.previous.isEnabled()
    click(qtbot, switcher.previous)
    assert shown(app) == [("Question", ""), ("Answer one.", "1/2")]
