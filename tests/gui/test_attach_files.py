"""Attachments in the whole app: the Attach button, drag and drop and paste; chips with name,
size and tokens counted by the loaded model; the message's size against the context; the
refusals; keeping the first part of a file too large, with consent; and the files sent, shown
on the message and stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from app.gui.app_controller import AppController
from backend.chat.messages import AttachmentKind
from tests.gui.conftest import MakeApp
from tests.gui.test_app import RecordingEngine
from tests.support.documents import write_pdf
from tests.support.gui import SCRIPT, send
from ui.chat.attachment_chips import AttachmentChip


@pytest.fixture
def app(make_app: MakeApp, r1_model: Path) -> AppController:
    return make_app(r1_model, engine=RecordingEngine(grammar=SCRIPT))


def attach(qtbot: QtBot, app: AppController, monkeypatch: pytest.MonkeyPatch,
           *paths: Path) -> None:
    """Click Attach and pick `paths` in the file dialog; wait until they are read and counted."""
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        lambda *a, **k: ([str(p) for p in paths], ""))
    qtbot.mouseClick(app.window.composer.attach, Qt.MouseButton.LeftButton)
    settle(qtbot, app)


def settle(qtbot: QtBot, app: AppController) -> None:
    tray = app.window.composer.attachments
    qtbot.waitUntil(lambda: not tray.busy() and tray.is_exact(), timeout=10_000)


def chips(app: AppController) -> list[tuple[str, str]]:
    tray = app.window.composer.attachments
    return [(tray.chip(k).name, tray.chip(k).detail()) for k in tray.file_keys()]


def test_attached_files_are_counted_sent_shown_and_stored(
        qtbot: QtBot, app: AppController, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        out_dir: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# Plan\n\nShip on Friday.\n", encoding="utf-8")
    report = write_pdf(tmp_path / "report.pdf", ["Quarterly report", "Sales rose 12%"])
    attach(qtbot, app, monkeypatch, notes, report)
    composer = app.window.composer
    engine: RecordingEngine = app.generation.worker.engine  # type: ignore[assignment]
    counted = {name: engine.count_tokens(f"[file name]: {name}\n[file content begin]\n{text}\n"
                                         "[file content end]")
               for name, text in (("notes.md", "# Plan\n\nShip on Friday.\n"),
                                  ("report.pdf", "Quarterly report\n\nSales rose 12%"))}
    assert chips(app) == [
        ("notes.md", f"24 B · {counted['notes.md']:,} tokens"),
        ("report.pdf", f"{report.stat().st_size} B · {counted['report.pdf']:,} tokens"),
    ]
    composer.set_text("Summarize")
    total = sum(counted.values()) + 3  # "Summarize": 9 characters, about 3 tokens
    assert composer.context_label.text() == f"≈{total:,} / 4,096 tokens"
    assert composer.context_label.isVisibleTo(composer)
    app.window.resize(1000, 700)
    qtbot.wait(50)
    composer.grab().save(str(out_dir / "composer-attachments.png"))

    answer = send(qtbot, app, "Summarize")
    prompt = engine.prompts[-1]
    assert ("[file name]: notes.md\n[file content begin]\n# Plan\n\nShip on Friday.\n\n"
            "[file content end]\n[file name]: report.pdf\n[file content begin]\nQuarterly report"
            "\n\nSales rose 12%\n[file content end]\nSummarize") in prompt
    assert chips(app) == [] and not composer.context_label.isVisibleTo(composer)
    stored = app.store.messages(app.chat.conversation_id)[0]
    assert [(a.name, a.kind, a.tokens) for a in stored.attachments] == [
        ("notes.md", AttachmentKind.TEXT, counted["notes.md"]),
        ("report.pdf", AttachmentKind.PDF, counted["report.pdf"])]
    view = app.window.chat_view
    question = view.message_widget(view.message_ids()[0])
    sent = question.attachments_row.findChildren(AttachmentChip)
    assert [(c.name, c.detail()) for c in sent] == [
        ("notes.md", f"24 B · {counted['notes.md']:,} tokens"),
        ("report.pdf", f"{report.stat().st_size} B · {counted['report.pdf']:,} tokens")]
    assert "Ship on Friday." in sent[0].toolTip()
    qtbot.wait(50)
    app.window.grab().save(str(out_dir / "message-attachments.png"))
    # Found by a search for the file's name.
    assert [c.title for c in app.store.conversations("report.pdf")] == ["Summarize"]
    assert view.message_widget(answer).content() == "The answer is **4**."


def test_drop_and_paste_attach_files(qtbot: QtBot, app: AppController, tmp_path: Path,
                                     clipboard: object) -> None:
    a = tmp_path / "a.py"
    a.write_text("print('a')\n", encoding="utf-8")
    b = tmp_path / "b.txt"
    b.write_text("bee\n", encoding="utf-8")
    composer = app.window.composer
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(a))])
    viewport = composer.input.viewport()
    enter = QDragEnterEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, enter)  # a drag over the input, as a file manager's
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, drop)
    settle(qtbot, app)
    pasted = QMimeData()
    pasted.setUrls([QUrl.fromLocalFile(str(b))])
    QGuiApplication.clipboard().setMimeData(pasted)
    composer.input.setFocus()
    qtbot.keyClick(composer.input, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, app)
    assert [name for name, _ in chips(app)] == ["a.py", "b.txt"]
    assert composer.text() == ""  # neither file became text in the input
    # Text pastes as text.
    QGuiApplication.clipboard().setText("plain words")
    qtbot.keyClick(composer.input, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert composer.text() == "plain words"
    # An image is refused, with the reason.
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.red)
    QGuiApplication.clipboard().setImage(image)
    qtbot.keyClick(composer.input, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert composer.attachments.error_label.text() == (
        "The pasted image was not attached: this model cannot see images. Describe it in words, "
        "or attach text, Markdown, code, PDF or .docx files.")
    # A chip's × removes its file.
    qtbot.mouseClick(composer.attachments.chip(composer.attachments.file_keys()[0]).remove_button,
                     Qt.MouseButton.LeftButton)
    assert [name for name, _ in chips(app)] == ["b.txt"]


def test_refused_files_say_why(qtbot: QtBot, app: AppController,
                               monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    binary = tmp_path / "tool.bin"
    binary.write_bytes(bytes(range(256)) * 8)
    tray = app.window.composer.attachments
    attach(qtbot, app, monkeypatch, binary)
    assert chips(app) == []
    assert tray.error_label.text() == ("tool.bin is not a text file (it holds binary data). "
                                       "Attach text, Markdown, code, PDF or .docx files.")
    missing = tmp_path / "gone.md"
    attach(qtbot, app, monkeypatch, missing)
    assert tray.error_label.text() == (f"{missing} does not exist. Check the name and the "
                                       "folder, then attach it again.")


def test_a_file_too_large_for_the_context_is_cut_only_with_consent(
        qtbot: QtBot, app: AppController, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    book = tmp_path / "book.txt"
    book.write_text("".join(f"Line {i}: all work and no play.\n" for i in range(2000)),
                    encoding="utf-8")
    controller = app.chat.attachments
    attach(qtbot, app, monkeypatch, book)
    qtbot.waitUntil(lambda: controller.question is not None, timeout=10_000)
    box = controller.question
    assert box.text().startswith("book.txt is about ")
    assert "but with room for an answer only 3,072 of the model's 4,096-token context" in box.text()
    remove = next(b for b in box.buttons() if b.text() == "Remove the file")
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert chips(app) == []

    attach(qtbot, app, monkeypatch, book)
    qtbot.waitUntil(lambda: controller.question is not None, timeout=10_000)
    keep = next(b for b in controller.question.buttons() if b.text() == "Keep the first part")
    qtbot.mouseClick(keep, Qt.MouseButton.LeftButton)
    (name, detail), = chips(app)
    assert name == "book.txt" and detail.endswith("first part")
    assert not app.window.composer.over_budget()
    send(qtbot, app, "What happens?")
    stored = app.store.messages(app.chat.conversation_id)[0].attachments[0]
    assert stored.truncated and stored.text.startswith("Line 0: all work")
    assert len(stored.text) < book.stat().st_size
    assert "[file name]: book.txt (first part only)" in app.generation.worker.engine.prompts[-1]
    assert isinstance(box, QMessageBox)
