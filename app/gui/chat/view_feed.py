"""Feeds streamed text to the chat view at a pace the GUI thread can afford.

Rendering Markdown takes the GUI thread a few milliseconds per update, and while it does, the
generation thread waits for the GIL and the CPU: with DeepSeek's experts in RAM, llama.cpp needs
every core, and the GUI's work comes straight out of the decode speed. So updates are coalesced:
at most one every `MIN_INTERVAL_MS` (ten a second read as a smooth stream), stretched to keep the
GUI thread's CPU time under 1/`_BUDGET` of the stream's (a slow machine or a long open
paragraph), and never slower than `MAX_INTERVAL_MS` so the text still flows. The cost of an
update is the GUI thread's CPU time from one update to the next (`time.thread_time`): not only
the Markdown conversion but the layout and painting it causes, and whatever else ran meanwhile.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Slot

from ui.chat.chat_view import ChatView

MIN_INTERVAL_MS = 100
MAX_INTERVAL_MS = 400
_BUDGET = 50  # interval = this many times the last update's CPU time: the GUI takes ≤ 2%


class ViewFeed(QObject):
    def __init__(self, view: ChatView) -> None:
        super().__init__()
        self.view = view
        self._message_id = ""
        self._pending: list[tuple[bool, str]] = []  # (is_reasoning, text), in order
        self._cost_ms = 0.0
        self._cycle_start: float | None = None  # the GUI thread's CPU clock after the last update
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)

    def add(self, message_id: str, text: str, *, reasoning: bool) -> None:
        if message_id != self._message_id:
            self.flush()
            self._message_id = message_id
            self._cycle_start = None  # what the GUI did between messages is not this stream's
        if self._pending and self._pending[-1][0] == reasoning:
            self._pending[-1] = (reasoning, self._pending[-1][1] + text)
        else:
            self._pending.append((reasoning, text))
        if not self._timer.isActive():
            interval = max(MIN_INTERVAL_MS, min(MAX_INTERVAL_MS, int(_BUDGET * self._cost_ms)))
            self._timer.start(interval)

    def flush(self) -> None:
        """Show everything received so far (before finishing a message)."""
        self._timer.stop()
        pending, self._pending = self._pending, []
        if not pending:
            return
        started = time.perf_counter()
        for reasoning, text in pending:
            if reasoning:
                self.view.append_reasoning(self._message_id, text)
            else:
                self.view.append_answer(self._message_id, text)
        render_ms = (time.perf_counter() - started) * 1000
        now = time.thread_time()
        cycle_ms = (now - self._cycle_start) * 1000 if self._cycle_start is not None else 0.0
        self._cost_ms = max(render_ms, cycle_ms)
        self._cycle_start = now

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.flush()
