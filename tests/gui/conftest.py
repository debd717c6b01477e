"""GUI fixtures: Qt runs offscreen; a hand-set clock for live timers; a clipboard; a host window."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QClipboard, QGuiApplication
from PySide6.QtWidgets import QLayout, QVBoxLayout, QWidget

from tests.support.gui import FakeClock


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
