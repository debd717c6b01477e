"""Formulas rendered off the GUI thread: ziamath is pure Python and takes 5-40 ms for a new
formula, too long for the GUI thread while an answer streams in.

Lifecycle: `ThreadedFormulas` (a `ui.markdown.formulas.Formulas` living on the GUI thread) starts
a `FormulaWorker` on a QThread of its own. A view looks a formula up: a cache hit answers at once;
a miss queues the formula (once) through a queued signal and answers MISSING. The worker renders
it into the shared cache and says so through its `rendered` signal, connected to this GUI-thread
object's slot (never to a lambda: PySide6 would run that on the worker thread), which emits
`ready`: at once when nothing is left to render, else at most every `READY_EVERY_MS`, so views
render again a few times a second rather than once per formula. `shutdown` joins the thread.

While formulas are being rendered the interpreter hands the GIL over every millisecond instead of
every 5: the GUI thread gets it back sooner (measured event-loop stall p99 13-15 ms instead of
24-33 ms on a maths-heavy stream).
"""

from __future__ import annotations

import sys
import threading

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from app.gui.crash import reporting_bugs
from ui.markdown import formulas
from ui.markdown.formulas import MISSING, FormulaKey, Formulas, Looked

READY_EVERY_MS = 50
BUSY_SWITCH_INTERVAL = 0.001  # seconds, while formulas are being rendered


class _Busy:
    """Formulas on their way to any worker; while there are some, the GIL is handed over every
    millisecond. One count for the process, since the switch interval is the process's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._idle_interval = sys.getswitchinterval()

    def add(self, count: int) -> None:
        with self._lock:
            if self._count == 0 and count > 0:
                self._idle_interval = sys.getswitchinterval()
                sys.setswitchinterval(BUSY_SWITCH_INTERVAL)
            self._count = max(0, self._count + count)
            if self._count == 0:
                sys.setswitchinterval(self._idle_interval)


_busy = _Busy()


class FormulaWorker(QObject):
    """Runs on the formula thread.

    Signals:
        rendered(object): the `FormulaKey` whose image (or failure) is now in the cache.
    """

    rendered = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._outstanding = 0

    def expect(self) -> None:
        """A formula is on its way (called on the GUI thread before it is queued)."""
        with self._lock:
            self._outstanding += 1
        _busy.add(1)

    def settle(self) -> None:
        """Nothing more will be rendered (the thread stopped): the usual GIL hand-over again."""
        with self._lock:
            dropped, self._outstanding = self._outstanding, 0
        _busy.add(-dropped)

    @Slot(object)
    def render(self, key: FormulaKey) -> None:
        try:
            with reporting_bugs(lambda: formulas.give_up(key)):  # shown as its source
                formulas.render(key)
            self.rendered.emit(key)
        finally:
            with self._lock:
                self._outstanding -= 1
            _busy.add(-1)


class ThreadedFormulas(Formulas):
    """The app's source of formula images (lives on the GUI thread).

    Signals:
        ready(): (inherited) formulas looked up earlier are in the cache now.
        _render(object): internal, GUI thread → worker: render this `FormulaKey`.
    """

    _render = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queued: set[FormulaKey] = set()
        self._ready_timer = QTimer(self)
        self._ready_timer.setSingleShot(True)
        self._ready_timer.setInterval(READY_EVERY_MS)
        self._ready_timer.timeout.connect(self._on_ready_timer_timeout)
        self.worker = FormulaWorker()
        self.formula_thread = QThread()
        self.formula_thread.setObjectName("formulas")
        self.worker.moveToThread(self.formula_thread)
        self._render.connect(self.worker.render)
        self.worker.rendered.connect(self._on_worker_rendered)
        self.formula_thread.start()

    def look_up(self, key: FormulaKey) -> Looked:
        found = formulas.cached(key)
        if found is MISSING and key not in self._queued:
            self._queued.add(key)
            self.worker.expect()
            self._render.emit(key)
        return found

    def pending(self) -> int:
        return len(self._queued)

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Stop after the formula being rendered (the queued ones are dropped) and join."""
        self.formula_thread.quit()
        stopped = self.formula_thread.wait(timeout_ms)
        if stopped:
            self.worker.settle()
        return stopped

    @Slot(object)
    def _on_worker_rendered(self, key: FormulaKey) -> None:
        self._queued.discard(key)
        if not self._queued:
            self._ready_timer.stop()
            self.ready.emit()
        elif not self._ready_timer.isActive():
            self._ready_timer.start()

    @Slot()
    def _on_ready_timer_timeout(self) -> None:
        self.ready.emit()
