"""Python's cyclic garbage collection, run on the GUI thread only.

Automatic collection runs in whichever thread happens to allocate. When that is the generation
or download worker, it destroys the GUI's unreachable QObjects there, on the wrong thread: Qt
then deadlocks (the worker holds a Qt connection lock while it waits for the GIL, which the GUI
thread holds while it waits for that lock) or crashes. So automatic collection is switched off
and a timer on the GUI thread collects instead, by Python's own generation thresholds.
Reference counting, which frees almost everything, is untouched.

What exists once start-up is over (modules, classes, the window) lives as long as the app, so it
is frozen (`gc.freeze`): a full collection then walks only what came later, a millisecond instead
of 60 ms or more on the GUI thread, which holds the GIL meanwhile and so pauses the decode too.
"""

from __future__ import annotations

import gc
import logging

from PySide6.QtCore import QObject, QTimer, Slot

log = logging.getLogger(__name__)

INTERVAL_MS = 500


class MainThreadGarbageCollector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    def start(self) -> None:
        gc.disable()
        self.settle()
        self._timer.start()

    def settle(self) -> None:
        """Freeze what is alive now, after collecting what is not: call it once start-up is
        over (everything built so far stays until the app quits)."""
        gc.collect()
        gc.freeze()

    def stop(self) -> None:
        """Automatic collection again (and one full collection here, on the GUI thread)."""
        self._timer.stop()
        gc.unfreeze()
        gc.collect()
        gc.enable()

    @Slot()
    def _on_timer_timeout(self) -> None:
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._threshold[generation]:
                found = gc.collect(generation)
                if found:
                    log.debug("collected %d objects (generation %d)", found, generation)
                return
