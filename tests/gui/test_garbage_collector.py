"""Unreachable QObjects are destroyed on the GUI thread, however busy the worker threads are."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from app.gui.garbage_collector import MainThreadGarbageCollector


class _Cycle:
    """Garbage only the cyclic collector can free, holding a QObject; notes where it was freed
    (its QObject goes in the same thread, in the same collection)."""

    def __init__(self, freed_in: list[str]) -> None:
        self.obj = QObject()
        self.me = self
        self.freed_in = freed_in

    def __del__(self) -> None:
        self.freed_in.append(threading.current_thread().name)


def test_a_worker_allocating_never_collects_the_guis_qobjects(qtbot: QtBot) -> None:
    destroyed_in: list[str] = []
    cycle = _Cycle(destroyed_in)
    del cycle  # unreachable now; only a collection frees it

    kept: list[list[int]] = []

    def allocate() -> None:  # far past the threshold at which Python would collect, here
        kept.extend([i] for i in range(100 * gc.get_threshold()[0]))

    worker = threading.Thread(target=allocate, name="worker")
    worker.start()
    worker.join()
    assert destroyed_in in ([], [threading.main_thread().name])  # never the worker's
    qtbot.waitUntil(lambda: destroyed_in == [threading.main_thread().name], timeout=5_000)
    assert not gc.isenabled()  # the suite runs as the app does: the GUI thread collects


def test_what_lives_from_start_up_is_never_walked_again_and_stopping_gives_it_back(
    qapp: QObject,
) -> None:
    collector = MainThreadGarbageCollector()
    collector.start()
    assert not gc.isenabled()
    frozen = gc.get_freeze_count()
    assert frozen > 10_000  # the modules, the suite: a full collection skips them
    collector.stop()
    assert gc.isenabled() and gc.get_freeze_count() < frozen / 10
    gc.disable()  # back as the suite's own collector keeps it
    gc.freeze()
