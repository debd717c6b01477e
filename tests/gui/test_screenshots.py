"""Screenshots of every screen, for the README and for looking at what we build.

They go to $SCREENSHOT_DIR (`make screenshots` sets tests/screenshots), else a temp folder.
The app is real (llama.cpp runs a tiny model); grammars make its answers read like real ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.gui.app_controller import AppController
from app.gui.downloads.download_controller import catalog_rows, job_row
from backend.engine.offload import GiB, GpuBudget, Machine, PlanOptions, plan_offload
from backend.gguf.shapes import deepseek_v3_layout
from backend.hub.catalog import CatalogOption, load_catalog
from backend.hub.client import RemoteFile
from backend.hub.download_queue import JobState, JobView
from backend.hub.fit import fit_verdict
from backend.settings import Settings
from tests.gui.conftest import MakeApp
from ui.downloads.download_dialog import DownloadDialog
from ui.settings.settings_dialog import SettingsDialog
from ui.theme import apply_theme

REASONING = ("The user asks for a quick way to sort a list of dictionaries by a key. "
             "Python's sorted() takes a key function; operator.itemgetter is the idiomatic "
             "choice and is faster than a lambda. I should also mention sort() for in-place "
             "sorting and reverse=True, and show a small table comparing them.")
ANSWER = """## Sorting dictionaries by a key

Use **`sorted()`** with a *key* function:

```python
from operator import itemgetter

people = [{"name": "Ada", "age": 36}, {"name": "Alan", "age": 41}]
by_age = sorted(people, key=itemgetter("age"))
```

| Call | Returns | In place |
|---|---|---|
| `sorted(xs, key=k)` | a new list | no |
| `xs.sort(key=k)` | `None` | yes |

- Add `reverse=True` for descending order.
- `itemgetter` is faster than a `lambda`."""


def gbnf(text: str) -> str:
    """`text` as a GBNF string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


SCRIPT = f"root ::= {gbnf(REASONING)} {gbnf('</think>')} {gbnf(chr(10) * 2 + ANSWER)}"
ENDLESS_THOUGHT = f"root ::= {gbnf(REASONING)} tail\ntail ::= \" \" tail"


@pytest.fixture
def app_with(qtbot: QtBot, make_app: MakeApp) -> Iterator[MakeApp]:
    """The app at the README's screenshot size, answering by `grammar`."""

    def make(model: Path, grammar: str) -> AppController:
        app = make_app(model, grammar)
        app.window.resize(1180, 780)
        return app

    yield make
    apply_theme(QApplication.instance(), "light")


def ask(qtbot: QtBot, app: AppController, text: str) -> None:
    app.window.composer.set_text(text)
    with qtbot.waitSignal(app.chat.generating_changed, timeout=30_000,
                          check_params_cb=lambda busy: not busy):
        qtbot.mouseClick(app.window.composer.send, Qt.MouseButton.LeftButton)


def grab(widget: QWidget, path: Path, qtbot: QtBot) -> None:
    qtbot.wait(150)
    assert widget.grab().save(str(path))
    assert path.stat().st_size > 10_000


def test_main_window_light_and_dark(qtbot: QtBot, app_with, r1_model: Path, out_dir: Path) -> None:
    app = app_with(r1_model, SCRIPT)
    app.window.composer.set_deep_thinking(True)
    ask(qtbot, app, "How do I sort a list of dicts by a key in Python?")
    grab(app.window, out_dir / "main-light.png", qtbot)
    apply_theme(QApplication.instance(), "dark")
    grab(app.window, out_dir / "main-dark.png", qtbot)


def test_reasoning_streaming_and_folded(qtbot: QtBot, app_with, r1_model: Path, out_dir: Path) -> None:
    app = app_with(r1_model, ENDLESS_THOUGHT)
    app.window.composer.set_text("How do I sort a list of dicts by a key in Python?")
    qtbot.mouseClick(app.window.composer.send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(app.chat.streaming) and len(app.chat.streaming.reasoning) > 200,
                    timeout=30_000)
    qtbot.wait(1300)  # let the live timer tick past a second
    grab(app.window, out_dir / "reasoning-streaming.png", qtbot)
    with qtbot.waitSignal(app.chat.generating_changed, timeout=5_000):
        app.chat.stop()
    message_id = app.window.chat_view.message_ids()[-1]
    panel = app.window.chat_view.message_widget(message_id).reasoning_panel
    assert panel.is_expanded()  # stopped while thinking: the reasoning stays open

    folded = app_with(r1_model, SCRIPT)
    ask(qtbot, folded, "How do I sort a list of dicts by a key in Python?")
    grab(folded.window, out_dir / "reasoning-folded.png", qtbot)


def _option(repo: str, quant: str, gigabytes: float, parts: int) -> CatalogOption:
    model = load_catalog().by_repo(repo)
    assert model is not None
    size = int(gigabytes * 1e9)
    files = tuple(RemoteFile(f"{quant}/{model.name}-{quant}-{i:05d}-of-{parts:05d}.gguf",
                             size // parts, "0" * 64, None) for i in range(1, parts + 1))
    return CatalogOption(model, quant, "0123abc", files)


def test_download_dialog(qtbot: QtBot, out_dir: Path) -> None:
    machine = Machine((GpuBudget("NVIDIA GeForce RTX 4090", 23 * GiB, 24 * GiB, 1008.0),),
                      ram_available=120 * GiB, ram_bandwidth_gbs=80.0)
    options = [
        _option("unsloth/DeepSeek-R1-0528-GGUF", "UD-IQ1_S", 192.0, 4),
        _option("unsloth/DeepSeek-R1-0528-GGUF", "UD-Q2_K_XL", 251.0, 6),
        _option("unsloth/DeepSeek-V3.1-GGUF", "UD-IQ1_S", 192.0, 4),
        _option("unsloth/DeepSeek-R1-GGUF", "UD-IQ1_S", 140.0, 3),
        _option("unsloth/DeepSeek-V3-0324-GGUF", "Q4_K_M", 406.0, 9),
        _option("unsloth/DeepSeek-R1-Distill-Qwen-32B-GGUF", "Q4_K_M", 19.9, 1),
        _option("unsloth/DeepSeek-R1-Distill-Llama-70B-GGUF", "Q4_K_M", 42.5, 1),
        _option("unsloth/DeepSeek-R1-Distill-Qwen-7B-GGUF", "Q4_K_M", 4.7, 1),
    ]
    for i, option in enumerate(options):
        verdict = fit_verdict(option, machine)
        options[i] = CatalogOption(option.model, option.quant, option.commit, option.files,
                                   verdict=verdict)
    options.sort(key=lambda o: o.verdict.rank if o.verdict else 1e9)
    dialog = DownloadDialog()
    qtbot.addWidget(dialog)
    dialog.show_catalog(catalog_rows(options))
    total = int(19.9e9)
    dialog.show_job(job_row(JobView(
        id="job1", title="DeepSeek-R1-Distill-Qwen-32B", repo="unsloth/DeepSeek-R1-Distill-Qwen-32B-GGUF",
        quant="Q4_K_M", state=JobState.DOWNLOADING, done=int(total * 0.42), total=total,
        file_path="DeepSeek-R1-Distill-Qwen-32B-Q4_K_M.gguf", file_index=1, file_count=1,
        file_done=int(total * 0.42), file_total=total, speed_bps=86e6, eta_s=135.0)))
    dialog.show()
    grab(dialog, out_dir / "download-dialog.png", qtbot)


def test_settings_dialog(qtbot: QtBot, out_dir: Path) -> None:
    layout = deepseek_v3_layout("UD-IQ1_S")
    machine = Machine((GpuBudget("NVIDIA GeForce RTX 4090", 23 * GiB, 24 * GiB, 1008.0),),
                      ram_available=180 * GiB, ram_bandwidth_gbs=80.0)

    def estimate(cpu_moe: int | None, n_ctx: int, kv_type: str) -> str:
        plan = plan_offload(layout, machine, PlanOptions(n_ctx=n_ctx, kv_type=kv_type,
                                                         cpu_moe_layers=cpu_moe))
        return "\n".join([plan.summary(), *plan.notes])

    dialog = SettingsDialog(Settings(n_ctx=16384, cpu_moe_layers=54), n_moe_layers=58,
                            estimate=estimate)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "experts of 54 layers in RAM" in dialog.estimate_label.text()
    grab(dialog, out_dir / "settings.png", qtbot)


SHORT_ANSWER = """Use **`sorted()`** with `operator.itemgetter`:

```python
by_age = sorted(people, key=itemgetter("age"))
```"""


def test_serving_other_tools(qtbot: QtBot, app_with, r1_model: Path, out_dir: Path) -> None:
    dialog = SettingsDialog(Settings(server_enabled=True, server_port=8080,
                                     server_api_key="sk-" + "5e" * 24, server_lan=True),
                            lan_address="192.168.1.20")
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentWidget(dialog.server_page)
    dialog.show()
    grab(dialog, out_dir / "settings-server.png", qtbot)

    short = (f"root ::= {gbnf('The user wants dictionaries sorted by one key: sorted() with '
                                   'operator.itemgetter does it.')} {gbnf('</think>')} "
             f"{gbnf(chr(10) * 2 + SHORT_ANSWER)}")
    app = app_with(r1_model, short)
    app.window.composer.set_deep_thinking(True)
    ask(qtbot, app, "How do I sort a list of dicts by a key in Python?")
    # What the status bar shows while the API server answers another program.
    app.window.server_status.show_running("http://127.0.0.1:8080/v1")
    app.window.server_status.set_activity(1)
    grab(app.window, out_dir / "server-status.png", qtbot)
