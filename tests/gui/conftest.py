"""GUI fixtures: Qt runs offscreen; a hand-set clock for live timers; a clipboard; a host window;
the screenshot folder."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QClipboard, QGuiApplication
from PySide6.QtWidgets import QApplication, QLayout, QVBoxLayout, QWidget

from app.garbage_collector import MainThreadGarbageCollector
from tests.support.gui import FakeClock


@pytest.fixture(scope="package", autouse=True)
def _gc_on_the_gui_thread(qapp: QApplication) -> Iterator[None]:
    """As the app does (app/gui.py): no garbage collection on worker threads, which would
    destroy earlier tests' QObjects there and hang or crash the suite."""
    collector = MainThreadGarbageCollector(qapp)
    collector.start()
    yield
    collector.stop()


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
