"""The chat view is fed at a pace the GUI thread can afford: the more an update costs the GUI
thread's CPU, the fewer updates, so the window never takes more than ~2% from the decode."""

from __future__ import annotations

import time

import pytest

from app.gui.chat.view_feed import MAX_INTERVAL_MS, MIN_INTERVAL_MS, ViewFeed

pytestmark = pytest.mark.usefixtures("qapp")  # the feed's timer


class _View:
    """A chat view whose updates cost `cost_s` of CPU (busy, as rendering is)."""

    def __init__(self, cost_s: float) -> None:
        self.cost_s = cost_s
        self.shown: list[tuple[str, str]] = []

    def _burn(self) -> None:
        end = time.thread_time() + self.cost_s
        while time.thread_time() < end:
            pass

    def append_answer(self, message_id: str, text: str) -> None:
        self._burn()
        self.shown.append(("answer", text))

    def append_reasoning(self, message_id: str, text: str) -> None:
        self._burn()
        self.shown.append(("reasoning", text))


def _stream(view: _View, updates: int) -> ViewFeed:
    """`updates` updates back to back (as if each timer had fired), then more text: the feed
    has set its timer by what the updates cost."""
    feed = ViewFeed(view)  # type: ignore[arg-type]
    for i in range(updates):
        feed.add("m1", f"t{i} ", reasoning=False)
        feed.flush()
    feed.add("m1", "last", reasoning=False)
    assert feed._timer.isActive()
    return feed


def test_cheap_updates_come_ten_times_a_second() -> None:
    feed = _stream(_View(0.0), 3)
    assert feed._timer.interval() == MIN_INTERVAL_MS


def test_costly_updates_are_spaced_out_by_their_cpu_time() -> None:
    feed = _stream(_View(0.005), 3)  # 5 ms of CPU per update
    assert feed._timer.interval() >= 250  # ≥ 50 × 5 ms: the GUI thread takes ≤ 2%
    slow = _stream(_View(0.02), 2)
    assert slow._timer.interval() == MAX_INTERVAL_MS  # the text still flows


def test_text_is_shown_in_order_and_whole_and_flush_shows_the_rest() -> None:
    view = _View(0.0)
    feed = ViewFeed(view)  # type: ignore[arg-type]
    feed.add("m1", "think ", reasoning=True)
    feed.add("m1", "more ", reasoning=True)
    feed.add("m1", "answer", reasoning=False)
    assert view.shown == []  # coalesced until the timer fires
    feed.flush()
    assert view.shown == [("reasoning", "think more "), ("answer", "answer")]
