"""ChatView: messages as the user sees them, reasoning panels, actions, scrolling, screenshots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QClipboard, QColor, QPalette
from PySide6.QtWidgets import QApplication

from backend.chat.messages import MessageState
from tests.support.gui import FakeClock, anchor_point
from ui.chat.chat_view import BUILT_MESSAGES, ChatView
from ui.chat.reasoning_panel import format_duration
from ui.chat.view_models import MessageView

pytestmark = pytest.mark.gui

ANSWER = """## Sorting a list of dictionaries

Use `sorted()` with a **key** function. It returns a *new* list:

```python
people = [{"name": "Ada", "age": 36}, {"name": "Alan", "age": 41}]
by_age = sorted(people, key=lambda p: p["age"])
```

Two common options:

1. `key=lambda p: p["age"]`: simple and readable
2. `key=operator.itemgetter("age")`: a little faster
   - works with several keys too

| Function | Returns | In place |
|---|---|---|
| `sorted()` | a new list | no |
| `list.sort()` | `None` | yes |

See the [Python docs](https://docs.python.org/3/howto/sorting.html) for more.
"""
REASONING = ("The user wants to sort dicts by a key. I should show `sorted()` with a key "
             "function and mention `operator.itemgetter`.\n\nA small table will help.")


@pytest.fixture
def chat(qtbot: object, clock: FakeClock) -> ChatView:
    view = ChatView(clock=clock)
    view.resize(760, 640)
    qtbot.addWidget(view)  # type: ignore[attr-defined]
    view.show()
    qtbot.waitExposed(view)  # type: ignore[attr-defined]
    return view


def user(mid: str, text: str) -> MessageView:
    return MessageView(mid, "user", text)


def streaming(mid: str) -> MessageView:
    return MessageView(mid, "assistant", "", state=MessageState.STREAMING)


# -- reasoning ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0.0 s"), (4.2, "4.2 s"), (9.94, "9.9 s"), (9.96, "10 s"), (12.4, "12 s"),
    (59.4, "59 s"), (59.6, "1 min"), (65, "1 min 5 s"), (3600 + 61, "61 min 1 s"),
])
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_reasoning_goes_live_then_folds_when_the_answer_starts(
        chat: ChatView, clock: FakeClock, qtbot: object) -> None:
    chat.add_message(streaming("a1"))
    chat.begin_reasoning("a1")
    panel = chat.message_widget("a1").reasoning_panel
    assert panel is not None and panel.is_live() and panel.is_expanded()
    assert panel.header_text() == "Thinking… 0.0 s"
    chat.append_reasoning("a1", "Let me **think**.")
    clock.advance(4.2)
    qtbot.waitUntil(lambda: panel.toggle_button.text() == "Thinking… 4.2 s",  # type: ignore
                    timeout=1000)
    clock.advance(8.1)
    chat.append_answer("a1", "The answer.")
    assert not panel.is_live() and not panel.is_expanded()
    assert panel.header_text() == "Thought for 12 s"
    clock.advance(30)
    qtbot.wait(150)  # type: ignore[attr-defined]
    assert panel.toggle_button.text() == "Thought for 12 s"  # frozen
    assert panel.reasoning_text() == "Let me **think**."

    qtbot.mouseClick(panel.toggle_button, Qt.MouseButton.LeftButton)  # type: ignore
    assert panel.is_expanded() and panel.view is not None and panel.view.isVisible()
    assert panel.view.toPlainText() == "Let me think."
    qtbot.mouseClick(panel.toggle_button, Qt.MouseButton.LeftButton)  # type: ignore
    assert not panel.is_expanded() and not panel.view.isVisible()

    chat.finish_message("a1", state=MessageState.COMPLETE, thinking_seconds=12.5,
                        stats_text="12.3 tok/s")
    assert panel.header_text() == "Thought for 12 s"


def test_the_keep_expanded_preference_keeps_reasoning_open(chat: ChatView) -> None:
    chat.set_reasoning_expanded(True)
    chat.add_message(streaming("a1"))
    chat.begin_reasoning("a1")
    chat.append_reasoning("a1", "thinking")
    chat.append_answer("a1", "answer")
    panel = chat.message_widget("a1").reasoning_panel
    assert panel is not None and panel.is_expanded() and not panel.is_live()
    chat.set_reasoning_expanded(False)
    assert not panel.is_expanded()


def test_saved_reasoning_shows_its_time_folded_and_renders_when_opened(chat: ChatView) -> None:
    chat.set_messages([user("u1", "q"), MessageView("a1", "assistant", "answer",
                                                     reasoning="step **one**",
                                                     thinking_seconds=65)])
    panel = chat.message_widget("a1").reasoning_panel
    assert panel is not None
    assert panel.header_text() == "Thought for 1 min 5 s" and not panel.is_expanded()
    assert panel.view is None  # nothing rendered while folded
    panel.set_expanded(True)
    assert panel.view is not None and panel.view.toPlainText() == "step one"


def test_reasoning_without_an_answer_stays_open_when_stopped(chat: ChatView,
                                                             clock: FakeClock) -> None:
    chat.add_message(streaming("a1"))
    chat.begin_reasoning("a1")
    chat.append_reasoning("a1", "hmm")
    clock.advance(2.5)
    chat.finish_message("a1", state=MessageState.CANCELLED, notice="Stopped.")
    panel = chat.message_widget("a1").reasoning_panel
    assert panel is not None and not panel.is_live() and panel.is_expanded()
    assert panel.header_text() == "Thought for 2.5 s"
    assert chat.message_widget("a1").notice() == "Stopped."


def test_copy_reasoning(chat: ChatView, qtbot: object, clipboard: QClipboard) -> None:
    chat.add_message(streaming("a1"))
    chat.append_reasoning("a1", "raw *markdown* reasoning")
    panel = chat.message_widget("a1").reasoning_panel
    assert panel is not None and panel.copy_button.isVisible()
    qtbot.mouseClick(panel.copy_button, Qt.MouseButton.LeftButton)  # type: ignore
    assert clipboard.text() == "raw *markdown* reasoning"
    assert panel.copy_button.text() == "Copied"


# -- messages and actions -------------------------------------------------------------------


def test_user_text_is_shown_as_typed(chat: ChatView) -> None:
    text = "Why is <b>this</b> & **that**\nnot bold?\n\n  indented"
    chat.add_message(user("u1", text))
    widget = chat.message_widget("u1")
    assert widget.answer_view.toPlainText() == text
    assert widget.content() == text


def test_an_answer_streams_in_and_its_actions_appear_when_finished(chat: ChatView) -> None:
    chat.add_message(user("u1", "q"))
    chat.add_message(streaming("a1"))
    chat.set_generating(True)
    widget = chat.message_widget("a1")
    assert widget.pending_label is not None and widget.pending_label.isVisible()
    assert not widget.action_row.isVisible()
    for piece in ("## Hea", "ding\n\nSome ", "text."):
        chat.append_answer("a1", piece)
    assert widget.answer_view.toPlainText() == "Heading\nSome text."
    assert not widget.pending_label.isVisible()
    chat.finish_message("a1", state=MessageState.COMPLETE,
                        stats_text="12.3 tok/s · 0.4 s to first token · 321 tokens")
    chat.set_generating(False)
    assert widget.action_row.isVisible() and widget.state == MessageState.COMPLETE
    assert widget.stats_label.text() == "12.3 tok/s · 0.4 s to first token · 321 tokens"
    assert widget.regenerate_button is not None and widget.regenerate_button.isEnabled()


def test_errors_and_interruptions_show_a_notice(chat: ChatView) -> None:
    chat.set_messages([
        MessageView("a1", "assistant", "Half an answ", state=MessageState.INTERRUPTED,
                    notice="Interrupted: the app closed while this answer was being written."),
        MessageView("a2", "assistant", "", state=MessageState.ERROR,
                    notice="The model ran out of memory."),
    ])
    first, second = chat.message_widget("a1"), chat.message_widget("a2")
    assert first.notice() == "Interrupted: the app closed while this answer was being written."
    assert first.notice_label.property("kind") == "info"
    assert second.notice() == "The model ran out of memory."
    assert second.notice_label.property("kind") == "error"
    chat.add_message(streaming("a3"))
    chat.append_answer("a3", "partial")
    chat.finish_message("a3", state=MessageState.ERROR, notice="Generation failed: boom.")
    assert chat.message_widget("a3").notice() == "Generation failed: boom."


def test_copy_message_copies_its_markdown(chat: ChatView, qtbot: object,
                                          clipboard: QClipboard) -> None:
    chat.set_messages([user("u1", "q"), MessageView("a1", "assistant", ANSWER)])
    widget = chat.message_widget("a1")
    qtbot.mouseClick(widget.copy_button, Qt.MouseButton.LeftButton)  # type: ignore
    assert clipboard.text() == ANSWER


def test_copy_link_of_a_code_block_in_the_chat(chat: ChatView, qtbot: object,
                                               clipboard: QClipboard) -> None:
    chat.set_messages([user("u1", "q"), MessageView("a1", "assistant", ANSWER)])
    view = chat.message_widget("a1").answer_view
    qtbot.waitUntil(lambda: view.width() > 400)  # type: ignore[attr-defined]
    chat.ensureWidgetVisible(view, 0, 0)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,  # type: ignore
                     pos=anchor_point(view, "copy:0"))
    assert clipboard.text() == ('people = [{"name": "Ada", "age": 36}, {"name": "Alan", "age": 41}]\n'
                                'by_age = sorted(people, key=lambda p: p["age"])')


def test_regenerate_emits_the_message_id(chat: ChatView, qtbot: object) -> None:
    chat.set_messages([user("u1", "q"), MessageView("a1", "assistant", "answer")])
    button = chat.message_widget("a1").regenerate_button
    assert button is not None
    with qtbot.waitSignal(chat.regenerate_requested) as signal:  # type: ignore[attr-defined]
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert signal.args == ["a1"]


def test_edit_and_resend(chat: ChatView, qtbot: object) -> None:
    chat.set_messages([user("u1", "first question"), MessageView("a1", "assistant", "answer")])
    widget = chat.message_widget("u1")
    assert widget.edit_button is not None
    qtbot.mouseClick(widget.edit_button, Qt.MouseButton.LeftButton)  # type: ignore
    assert widget.is_editing() and widget.editor is not None
    assert widget.editor.text_edit.toPlainText() == "first question"
    assert not widget.bubble.isVisible()
    widget.editor.text_edit.setPlainText("   ")
    assert not widget.editor.save_button.isEnabled()
    widget.editor.text_edit.setPlainText("better question")
    with qtbot.waitSignal(chat.edit_requested) as signal:  # type: ignore[attr-defined]
        qtbot.mouseClick(widget.editor.save_button, Qt.MouseButton.LeftButton)  # type: ignore
    assert signal.args == ["u1", "better question"]
    assert not widget.is_editing() and widget.bubble.isVisible()
    assert widget.answer_view.toPlainText() == "better question"


def test_cancel_and_escape_leave_the_message_unchanged(chat: ChatView, qtbot: object) -> None:
    chat.add_message(user("u1", "original"))
    widget = chat.message_widget("u1")
    with qtbot.assertNotEmitted(chat.edit_requested):  # type: ignore[attr-defined]
        widget.start_editing()
        assert widget.editor is not None
        widget.editor.text_edit.setPlainText("changed")
        qtbot.mouseClick(widget.editor.cancel_button, Qt.MouseButton.LeftButton)  # type: ignore
        assert not widget.is_editing() and widget.content() == "original"
        widget.start_editing()
        assert widget.editor.text_edit.toPlainText() == "original"
        qtbot.keyClick(widget.editor.text_edit, Qt.Key.Key_Escape)  # type: ignore
        assert not widget.is_editing()


def test_ctrl_enter_saves_the_edit(chat: ChatView, qtbot: object) -> None:
    chat.add_message(user("u1", "original"))
    widget = chat.message_widget("u1")
    widget.start_editing()
    assert widget.editor is not None
    with qtbot.waitSignal(chat.edit_requested) as signal:  # type: ignore[attr-defined]
        qtbot.keyClick(widget.editor.text_edit, Qt.Key.Key_Return,  # type: ignore
                       Qt.KeyboardModifier.ControlModifier)
    assert signal.args == ["u1", "original"]


def test_generating_disables_regenerate_and_edit(chat: ChatView, qtbot: object) -> None:
    chat.set_messages([user("u1", "q"), MessageView("a1", "assistant", "answer")])
    u, a = chat.message_widget("u1"), chat.message_widget("a1")
    u.start_editing()
    chat.set_generating(True)
    assert a.regenerate_button is not None and u.edit_button is not None and u.editor is not None
    assert not a.regenerate_button.isEnabled() and not u.edit_button.isEnabled()
    assert not u.editor.save_button.isEnabled()
    with qtbot.assertNotEmitted(chat.regenerate_requested):  # type: ignore[attr-defined]
        qtbot.mouseClick(a.regenerate_button, Qt.MouseButton.LeftButton)  # type: ignore
    chat.add_message(user("u2", "later"))
    assert chat.message_widget("u2").edit_button.isEnabled() is False  # type: ignore[union-attr]
    chat.set_generating(False)
    assert a.regenerate_button.isEnabled() and u.edit_button.isEnabled()
    assert u.editor.save_button.isEnabled()


def test_text_for_unknown_messages_is_ignored(chat: ChatView) -> None:
    chat.append_answer("gone", "late text")
    chat.finish_message("gone", state=MessageState.COMPLETE)
    with pytest.raises(KeyError):
        chat.message_widget("gone")


# -- conversations and scrolling --------------------------------------------------------------


def conversation(count: int) -> list[MessageView]:
    return [user(f"m{i}", f"question {i}") if i % 2 == 0 else
            MessageView(f"m{i}", "assistant", f"## Answer {i}\n\n" + "Some words. " * 40 +
                        f"\n\n```python\nprint({i})\n```", reasoning="why " * 30,
                        thinking_seconds=3.0)
            for i in range(count)]


def test_a_long_conversation_opens_fast_at_its_end(chat: ChatView, qtbot: object) -> None:
    chat.set_messages(conversation(200))
    assert len(chat.message_ids()) == 200
    assert chat.findChildren(type(chat.message_widget("m199"))).__len__() <= BUILT_MESSAGES
    qtbot.waitUntil(lambda: not chat.is_rendering())  # type: ignore[attr-defined]
    qtbot.waitUntil(chat.is_at_bottom)  # type: ignore[attr-defined]
    assert chat.message_widget("m199").answer_view.toPlainText().startswith("Answer 199")
    old = chat.message_widget("m3")  # built on demand
    assert old.content().startswith("## Answer 3")
    chat.set_messages(conversation(4))
    assert chat.message_ids() == ["m0", "m1", "m2", "m3"]


def test_scrolling_up_builds_older_messages_without_moving_the_view(
        chat: ChatView, qtbot: object) -> None:
    chat.set_messages(conversation(120))
    qtbot.waitUntil(lambda: not chat.is_rendering())  # type: ignore[attr-defined]
    built = len(chat.findChildren(type(chat.message_widget("m119"))))
    bar = chat.verticalScrollBar()
    oldest = chat.message_widget(chat.message_ids()[120 - built])
    bar.setValue(oldest.y() + 5)
    qtbot.waitUntil(lambda: len(chat.findChildren(type(oldest))) > built)  # type: ignore
    qtbot.waitUntil(lambda: not chat.is_rendering())  # type: ignore[attr-defined]
    qtbot.wait(30)  # type: ignore[attr-defined]
    assert abs((oldest.y() - bar.value()) - (-5)) <= 2  # the same message at the same place


def test_streaming_follows_the_bottom_only_when_the_user_is_there(
        chat: ChatView, qtbot: object) -> None:
    chat.set_messages(conversation(10))
    chat.add_message(user("q", "next"))
    chat.add_message(streaming("a"))
    qtbot.waitUntil(chat.is_at_bottom)  # type: ignore[attr-defined]
    bar = chat.verticalScrollBar()
    for i in range(15):
        chat.append_answer("a", f"Paragraph {i} of the streamed answer.\n\n")
        qtbot.wait(5)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: bar.maximum() > 0 and chat.is_at_bottom())  # type: ignore
    bar.setValue(bar.maximum() // 2)
    held = bar.value()
    for i in range(15):
        chat.append_answer("a", f"More text {i}.\n\n")
        qtbot.wait(5)  # type: ignore[attr-defined]
    qtbot.wait(30)  # type: ignore[attr-defined]
    assert bar.value() == held and not chat.is_at_bottom()


# -- screenshots ------------------------------------------------------------------------------


def _palette(dark: bool) -> QPalette:
    colours = {"window": "#1e1f24", "text": "#e6e7eb", "muted": "#9aa0aa", "accent": "#6b84ff",
               "surface": "#2a2b31"} if dark else {
        "window": "#ffffff", "text": "#1f2329", "muted": "#6b7280", "accent": "#4d6bfe",
        "surface": "#f3f4f8"}
    palette = QPalette()
    role = QPalette.ColorRole
    for r, key in ((role.Window, "window"), (role.Base, "window"), (role.Text, "text"),
                   (role.WindowText, "text"), (role.ButtonText, "text"), (role.Button, "surface"),
                   (role.AlternateBase, "surface"), (role.PlaceholderText, "muted"),
                   (role.Highlight, "accent"), (role.Link, "accent")):
        palette.setColor(r, QColor(colours[key]))
    palette.setColor(role.HighlightedText, QColor("#ffffff"))
    return palette


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_screenshot_of_a_realistic_conversation(qtbot: object, tmp_path: Path, dark: bool) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    saved = app.palette()
    app.setPalette(_palette(dark))
    try:
        view = ChatView()
        view.resize(860, 1100)
        qtbot.addWidget(view)  # type: ignore[attr-defined]
        view.set_messages([
            user("u1", "How do I sort a list of dicts by a key in Python?\nShow me both ways."),
            MessageView("a1", "assistant", ANSWER, reasoning=REASONING, thinking_seconds=12.4,
                        stats_text="12.3 tok/s · 0.4 s to first token · 321 tokens"),
            user("u2", "Thanks!"),
            MessageView("a2", "assistant", "You're welcome.", state=MessageState.CANCELLED,
                        notice="Stopped."),
        ])
        view.show()
        qtbot.waitExposed(view)  # type: ignore[attr-defined]
        qtbot.wait(50)  # type: ignore[attr-defined]
        view.verticalScrollBar().setValue(0)
        folder = Path(os.environ.get("CHAT_SCREENSHOTS", tmp_path))
        folder.mkdir(parents=True, exist_ok=True)
        image = view.grab().toImage()
        assert image.save(str(folder / f"chat-{'dark' if dark else 'light'}.png"))
        corner = QColor(image.pixel(5, image.height() - 5))
        assert (corner.lightness() < 80) if dark else (corner.lightness() > 200)
    finally:
        app.setPalette(saved)
