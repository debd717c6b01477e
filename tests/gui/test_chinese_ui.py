"""The app in Simplified Chinese: translated everywhere, Chinese text laid out and typed right.

Screenshots go to $SCREENSHOT_DIR (`make screenshots`), else a temp folder. They need a CJK font
(.ci/run installs fonts-wqy-microhei); without one the Chinese would be drawn as empty boxes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QFontDatabase, QInputMethodEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from app.gui.app_controller import AppController
from app.gui.downloads.download_controller import catalog_rows, job_row
from app.gui.translations import CJK_SC_FAMILIES, install_translations
from backend import i18n
from backend.engine.offload import GiB, GpuBudget, Machine
from backend.hub.download_queue import JobState, JobView
from backend.hub.fit import fit_verdict
from backend.paths import app_paths
from backend.settings import Language, Settings, save_settings
from tests.gui.conftest import MakeApp
from tests.gui.test_screenshots import _option, gbnf, grab
from ui.downloads.download_dialog import DownloadDialog

REASONING = ("用户想按某个键给字典列表排序。Python 的 sorted() 接受一个 key 函数，"
             "operator.itemgetter 是惯用写法，比 lambda 更快。还应提到原地排序的 sort() "
             "和 reverse=True，并用表格比较两者。")
ANSWER = """## 按键排序字典列表

用 **`sorted()`** 加一个 *key* 函数：

```python
from operator import itemgetter

people = [{"name": "小明", "age": 36}, {"name": "小红", "age": 41}]
by_age = sorted(people, key=itemgetter("age"))  # 按年龄升序
```

| 调用 | 返回 | 原地排序 |
|---|---|---|
| `sorted(xs, key=k)` | 新列表 | 否 |
| `xs.sort(key=k)` | `None` | 是 |

- 降序排列时加上 `reverse=True`。
- `itemgetter` 比 `lambda` 更快。"""
SCRIPT = f"root ::= {gbnf(REASONING)} {gbnf('</think>')} {gbnf(chr(10) * 2 + ANSWER)}"
QUESTION = "Python 里怎么按某个键给字典列表排序？"

# What may stay in Latin letters in a Chinese interface: names, units and technical terms.
LATIN_ALLOWED = {
    "DeepSeek", "Local", "GGUF", "GPU", "CPU", "RAM", "VRAM", "MoE", "KV", "token", "tokens",
    "Markdown", "JSON", "API", "URL", "Hugging", "Face", "HF", "TOKEN", "llama", "cpp", "GB",
    "MB", "GiB", "MiB", "TB", "Tiny", "Test", "Python", "Qwen", "Llama", "Distill", "SHA",
    "English", "Ctrl", "Shift", "Enter", "Esc", "vLLM", "SGLang", "RPC", "hf", "Q4_K_M",
    "Top", "top", "Min", "min", "rpc", "server",  # sampling terms, llama.cpp's rpc-server
    "docx",  # the file format attachments accept
    # Programs the API server is for, and its field name (Settings → API server).
    "OpenAI", "Continue", "Cline", "Zed", "Open", "WebUI", "reasoning_content",
}


@pytest.fixture
def chinese_app(qtbot: QtBot, make_app: MakeApp, r1_model: Path) -> Iterator[AppController]:
    save_settings(Settings(language=Language.CHINESE), app_paths().settings_file)
    app = make_app(r1_model, SCRIPT)
    app.window.resize(1180, 780)
    yield app
    app.shutdown()
    # The translators go with the app: the rest of the suite sees English again.
    assert i18n.translate("Composer", "Deep thinking") == "Deep thinking"
    assert QCoreApplication.translate("Composer", "Deep thinking") == "Deep thinking"


@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[None]:
    translations = install_translations(qapp, "zh_CN")
    yield
    translations.remove()


def english_words(text: str) -> list[str]:
    """Latin words a Chinese reader would see as untranslated (beyond names and units)."""
    text = re.sub(r"<[^>]+>|&\w+;|\S*[/\\]\S*|\S+\.gguf", " ", text)  # markup, paths, files
    words = re.findall(r"[A-Za-z][A-Za-z_]+", text)
    return [w for w in words if w not in LATIN_ALLOWED and not w.isupper()]  # acronyms, quants


def untranslated(root: QWidget) -> list[str]:
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        texts = [widget.toolTip(), widget.windowTitle() if widget.isWindow() else ""]
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
        actions = widget.actions()
        texts += [a.text() for a in actions] + [a.toolTip() for a in actions]
        for text in texts:
            if english_words(text):
                found.append(f"{type(widget).__name__} {widget.objectName()!r}: {text!r}")
    return found


def test_main_window_in_chinese(qtbot: QtBot, chinese_app: AppController, out_dir: Path) -> None:
    app = chinese_app
    composer = app.window.composer
    assert composer.deep_thinking.text() == "深度思考"
    assert composer.send.text() == "发送"
    composer.set_deep_thinking(True)
    composer.set_text(QUESTION)
    with qtbot.waitSignal(app.chat.generating_changed, timeout=30_000,
                          check_params_cb=lambda busy: not busy):
        qtbot.mouseClick(composer.send, Qt.MouseButton.LeftButton)
    widget = app.window.chat_view.message_widget(app.window.chat_view.message_ids()[-1])
    assert widget.content() == ANSWER
    assert widget.reasoning_panel.header_text().startswith("已深度思考")
    assert "token/s" in app.window.speed_label.text()
    # Everything the window shows around the conversation is Chinese (model names aside).
    chrome = [w for w in untranslated(app.window) if "Tiny Test" not in w]
    assert not chrome, "\n".join(chrome)
    grab(app.window, out_dir / "main-zh_CN.png", qtbot)


def test_a_backend_error_is_shown_in_chinese(qtbot: QtBot, chinese_app: AppController,
                                              r1_model: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(r1_model.read_bytes()[:-5000])
    chinese_app.models.open_file(str(broken))
    message = chinese_app.window.model_bar.status.text()
    assert "broken.gguf" in message
    assert re.search(r"[\u4e00-\u9fff]", message) and not english_words(
        message.replace("broken.gguf", "")), message


def test_download_dialog_in_chinese(qtbot: QtBot, chinese: None, out_dir: Path) -> None:
    machine = Machine((GpuBudget("NVIDIA GeForce RTX 4090", 23 * GiB, 24 * GiB, 1008.0),),
                      ram_available=256 * GiB, ram_bandwidth_gbs=80.0)
    options = [
        _option("unsloth/DeepSeek-R1-0528-GGUF", "UD-IQ1_S", 192.0, 4),
        _option("unsloth/DeepSeek-V3.1-GGUF", "UD-IQ1_S", 192.0, 4),
        _option("unsloth/DeepSeek-V3-0324-GGUF", "Q4_K_M", 406.0, 9),
        _option("unsloth/DeepSeek-R1-Distill-Qwen-32B-GGUF", "Q4_K_M", 19.9, 1),
        _option("unsloth/DeepSeek-R1-Distill-Qwen-7B-GGUF", "Q4_K_M", 4.7, 1),
    ]
    options = sorted((type(o)(o.model, o.quant, o.commit, o.files, verdict=fit_verdict(o, machine))
                      for o in options), key=lambda o: o.verdict.rank)
    verdicts = [o.verdict.text for o in options]
    assert any(v.startswith("GPU + 专家在内存") for v in verdicts), verdicts
    assert any(v.startswith("超出本机能力") for v in verdicts), verdicts
    dialog = DownloadDialog()
    qtbot.addWidget(dialog)
    dialog.show_catalog(catalog_rows(options))
    total = int(19.9e9)
    dialog.show_job(job_row(JobView(
        id="job1", title="DeepSeek-R1-Distill-Qwen-32B",
        repo="unsloth/DeepSeek-R1-Distill-Qwen-32B-GGUF", quant="Q4_K_M",
        state=JobState.DOWNLOADING, done=int(total * 0.42), total=total,
        file_path="DeepSeek-R1-Distill-Qwen-32B-Q4_K_M.gguf", file_index=1, file_count=1,
        file_done=int(total * 0.42), file_total=total, speed_bps=86e6, eta_s=135.0)))
    dialog.resize(1100, 720)
    dialog.show()
    chrome = untranslated(dialog)
    assert not chrome, "\n".join(chrome)
    grab(dialog, out_dir / "download-dialog-zh_CN.png", qtbot)


def test_simplified_chinese_faces_come_first_for_han_text(qapp: QApplication) -> None:
    installed = [f for f in CJK_SC_FAMILIES if f in QFontDatabase.families()]
    if not installed:
        pytest.skip("no Simplified Chinese font installed (fonts-wqy-microhei)")
    families = qapp.font().families()
    assert installed[0] in families and families.index(installed[0]) > 0  # after the UI face


def test_long_chinese_lines_wrap_inside_the_view(qtbot: QtBot, host: QWidget) -> None:
    from ui.markdown.markdown_view import MarkdownView

    view = MarkdownView(host)
    host.layout().addWidget(view)
    paragraph = "深度求索的模型在本机运行，无需联网。" * 30  # no spaces to break at
    view.set_markdown(paragraph + "\n\n" + "混合 English 与中文的句子，" * 20)
    qtbot.waitUntil(lambda: view.document().size().height() > 0)
    layout = view.document().documentLayout()
    first = view.document().firstBlock()
    assert first.layout().lineCount() > 3  # broken between Han characters
    assert layout.documentSize().width() <= view.viewport().width() + 1


def test_enter_commits_a_chinese_composition_instead_of_sending(qtbot: QtBot, host: QWidget) -> None:
    from ui.composer import Composer

    composer = Composer(host)
    host.layout().addWidget(composer)
    sent: list[str] = []
    composer.send_requested.connect(sent.append)
    box = composer.input
    box.setFocus()
    QApplication.sendEvent(box, QInputMethodEvent("shen du si kao", []))
    qtbot.keyClick(box, Qt.Key.Key_Return)  # the input method's Enter: picks the candidate
    assert sent == []
    commit = QInputMethodEvent()
    commit.setCommitString("深度思考")
    QApplication.sendEvent(box, commit)
    assert box.toPlainText() == "深度思考"
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert sent == ["深度思考"]


def test_changing_the_language_offers_a_restart(qtbot: QtBot, make_app: MakeApp) -> None:
    from dataclasses import replace

    from PySide6.QtWidgets import QMessageBox

    save_settings(Settings(welcome_shown=True), app_paths().settings_file)
    app = make_app(None)
    try:
        assert app.window.composer.send.text() == "Send"  # the system language here: English
        app.apply_settings(replace(app.settings, language=Language.CHINESE))
        box = next(w for w in QApplication.topLevelWidgets()
                   if isinstance(w, QMessageBox) and w.isVisible())
        restart = next(b for b in box.buttons() if b.text() == "Restart now")
        qtbot.mouseClick(restart, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not app.window.isVisible())
        assert app.restart_requested
        assert app.settings.language == Language.CHINESE  # saved for the next start
    finally:
        app.shutdown()  # English again before the next test


def test_a_restart_runs_the_same_program_with_the_same_options(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from app.gui.launch import restart_command

    argv = ["--data-dir", "/tmp/profile"]
    assert restart_command(argv) == [sys.executable, "-m", "app", *argv]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert restart_command(argv) == [sys.executable, *argv]


def test_settings_dialog_in_chinese(qtbot: QtBot, chinese: None, out_dir: Path) -> None:
    from ui.settings.settings_dialog import SettingsDialog

    dialog = SettingsDialog(Settings(), n_moe_layers=58)
    qtbot.addWidget(dialog)
    dialog.show()
    chrome = untranslated(dialog)
    assert not chrome, "\n".join(chrome)
    grab(dialog, out_dir / "settings-zh_CN.png", qtbot)


def test_welcome_screen_and_connections_page_in_chinese(qtbot: QtBot, make_app: MakeApp,
                                                        out_dir: Path) -> None:
    save_settings(Settings(language=Language.CHINESE, welcome_shown=True), app_paths().settings_file)
    app = make_app(None)
    try:
        qtbot.waitUntil(lambda: app.window.empty_state.isVisible())
        chrome = untranslated(app.window)
        assert not chrome, "\n".join(chrome)
        app.window.resize(1000, 640)
        grab(app.window, out_dir / "welcome-zh_CN.png", qtbot)

        from ui.settings.connections_page import ConnectionsPage

        page = ConnectionsPage([])
        qtbot.addWidget(page)
        page.show()
        chrome = untranslated(page)
        assert not chrome, "\n".join(chrome)
    finally:
        app.shutdown()
