"""GUI fixtures: Qt runs offscreen; the whole app on a fresh profile; a hand-set clock for live
timers; a clipboard; a host window; the screenshot folder."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QClipboard, QGuiApplication
from PySide6.QtWidgets import QApplication, QLayout, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from app.gui import crash
from app.gui.app_controller import AppController
from app.gui.garbage_collector import MainThreadGarbageCollector
from app.gui.generation_worker import GenerationThread, GenerationWorker
from backend.engine.local_engine import LocalEngine
from backend.paths import app_paths
from tests.support.gui import FakeClock


@pytest.fixture(scope="package", autouse=True)
def _gc_on_the_gui_thread(qapp: QApplication) -> Iterator[None]:
    """As the app does (app/gui.py): no garbage collection on worker threads, which would
    destroy earlier tests' QObjects there and hang or crash the suite."""
    collector = MainThreadGarbageCollector(qapp)
    collector.start()
    yield
    collector.stop()


@pytest.fixture(autouse=True)
def _bugs_fail_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug caught at a worker thread's edge is raised again (`app.gui.crash.report_bug`), so
    the test fails instead of the app showing a crash dialog nobody reads."""
    monkeypatch.setattr(crash, "RAISE_BUGS", True)


@pytest.fixture
def app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, offline profile: app data in tmp/home, the HF cache in tmp/hf."""
    monkeypatch.setenv("DEEPSEEK_LOCAL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the first-run model chooser must not go online
    app_paths().ensure()
    return tmp_path


MakeApp = Callable[..., AppController]


@pytest.fixture
def make_app(qtbot: QtBot, app_home: Path) -> Iterator[MakeApp]:
    """`make_app(model, grammar=None, engine=None)`: the real app, shown, started, and (with a
    model) loaded; shut down after the test. A grammar scripts the tiny model's answers."""
    made: list[AppController] = []

    def make(model: Path | None, grammar: str | None = None,
             engine: LocalEngine | None = None) -> AppController:
        generation = GenerationThread(GenerationWorker(engine or LocalEngine(grammar=grammar)))
        app = AppController(QApplication.instance(), app_paths().ensure(),
                            model=str(model) if model else None, generation=generation)
        qtbot.addWidget(app.window)
        app.window.show()
        app.start()
        made.append(app)
        if model:
            qtbot.waitUntil(app.models.ready, timeout=60_000)
        return app

    yield make
    for app in made:
        app.shutdown()


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """Where screenshots go: $SCREENSHOT_DIR (`make screenshots`), else a temp folder."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def clipboard(qapp: object) -> Iterator[QClipboard]:
    board = QGuiApplication.clipboard()
    board.clear()
    yield board
    board.clear()


@pytest.fixture
def host(qtbot: object) -> QWidget:
    """A shown window to put the widget under test in."""
    widget = QWidget()
    # No size constraint: a child growing must not resize the window (the offscreen platform
    # warns when a window's size hints change).
    QVBoxLayout(widget).setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
    widget.resize(700, 500)
    qtbot.addWidget(widget)  # type: ignore[attr-defined]
    widget.show()
    qtbot.waitExposed(widget)  # type: ignore[attr-defined]
    return widget
