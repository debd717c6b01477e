"""Benchmark: streaming a long Markdown answer into the chat view, as the app does.

`python -m tests.bench.bench_render [--tokens N] [--rate TOK_PER_S] [--prior M]` builds a ChatView
holding M earlier messages, then a worker thread produces N tokens of Markdown-heavy text
(paragraphs, lists, tables, code blocks) at a steady rate; every 33 ms the batch so far crosses
to the GUI thread through a signal of a QObject living there and goes into `append_answer`.
Measured: (a) event-loop stall: lateness of a 5 ms timer on the GUI thread (target p99 ≤ 33 ms);
(b) time inside `append_answer` per update, and the mean of the last 10 % of updates over the
first 10 % (target ≤ 2.0: an update costs the same at the end of the answer as at its start).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication

from ui.chat_view import ChatView
from ui.view_models import MessageState, MessageView

BATCH_S = 0.033
TICK_MS = 5
TARGET_STALL_P99_MS = 33.0
TARGET_GROWTH = 2.0

_SECTION = """## Step {n}: measuring the {topic}

The {topic} matters because every extra millisecond shows up as a stutter while the answer
streams in. We look at **three** things: the cost per update, the *size* of the tail, and how
`QTextDocument` lays out the text that changed.

- Convert only the open block, never the whole answer
- Keep the frozen part in the document as it is
  - nested detail about the {topic}
- Measure before and after each change

| Case | Before | After | Change |
|---|---:|---:|:-:|
| short answer | {a} ms | {b} ms | better |
| long answer | {c} ms | {b} ms | much better |

```python
def measure_{n}(view, text):
    start = time.perf_counter()
    view.append_markdown(text)  # the {topic}
    return (time.perf_counter() - start) * 1000.0
```

1. Run the benchmark for step {n}.
2. Compare the numbers with the table above.

"""
_TOPICS = ("layout", "tail", "conversion", "highlighting", "document", "scrolling")


def markdown_tokens(count: int) -> list[str]:
    """`count` token-sized pieces (about four characters each) of a Markdown-heavy answer."""
    pieces: list[str] = []
    n = 0
    while len(pieces) < count:
        n += 1
        text = _SECTION.format(n=n, topic=_TOPICS[n % len(_TOPICS)], a=10 + n, b=3, c=40 + n)
        pieces.extend(re.findall(r"\s*\S{1,4}|\s+", text))
    return pieces[:count]


def prior_messages(count: int) -> list[MessageView]:
    messages = []
    for i in range(count):
        if i % 2 == 0:
            messages.append(MessageView(f"p{i}", "user", f"Question {i}: how do I measure {i}?"))
        else:
            body = "".join(markdown_tokens(300))
            messages.append(MessageView(f"p{i}", "assistant", body, reasoning="Thinking " * 40,
                                        thinking_seconds=4.2, stats_text="20.0 tok/s"))
    return messages


class _Relay(QObject):
    """Lives on the GUI thread; the producer thread emits `batch` and Qt queues it over."""

    batch = Signal(str)
    done = Signal()


class _Sink(QObject):
    def __init__(self, view: ChatView, message_id: str) -> None:
        super().__init__()
        self.view = view
        self.message_id = message_id
        self.render_ms: list[float] = []
        self.finished = False

    @Slot(str)
    def on_batch(self, text: str) -> None:
        start = time.perf_counter()
        self.view.append_answer(self.message_id, text)
        self.render_ms.append((time.perf_counter() - start) * 1000.0)

    @Slot()
    def on_done(self) -> None:
        self.view.finish_message(self.message_id, state=MessageState.COMPLETE,
                                 stats_text="benchmark")
        self.finished = True
        QApplication.instance().quit()  # type: ignore[union-attr]


class _Ticker(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.late_ms: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.on_tick)

    @Slot()
    def on_tick(self) -> None:
        now = time.perf_counter()
        self.late_ms.append(max(0.0, (now - self._last) * 1000.0 - TICK_MS))
        self._last = now


def _produce(relay: _Relay, tokens: list[str], rate: float, stop: threading.Event) -> None:
    start = time.perf_counter()
    pending: list[str] = []
    last_emit = start
    for i, token in enumerate(tokens):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        if stop.is_set():
            return
        pending.append(token)
        now = time.perf_counter()
        if now - last_emit >= BATCH_S:
            relay.batch.emit("".join(pending))
            pending.clear()
            last_emit = now
    if pending:
        relay.batch.emit("".join(pending))
    relay.done.emit()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q / 100.0 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=4000)
    parser.add_argument("--rate", type=float, default=200.0, help="tokens per second")
    parser.add_argument("--prior", type=int, default=20, help="earlier messages in the chat")
    args = parser.parse_args()

    app = QApplication.instance() or QApplication([])
    view = ChatView()
    view.resize(1000, 800)
    view.set_messages(prior_messages(args.prior))
    view.add_message(MessageView("bench-q", "user", "Explain how to keep streaming smooth."))
    view.add_message(MessageView("bench-a", "assistant", "", state=MessageState.STREAMING))
    view.set_generating(True)
    view.show()
    app.processEvents()

    relay, sink, ticker = _Relay(), _Sink(view, "bench-a"), _Ticker()
    relay.batch.connect(sink.on_batch)
    relay.done.connect(sink.on_done)
    tokens = markdown_tokens(args.tokens)
    stop = threading.Event()
    producer = threading.Thread(target=_produce, args=(relay, tokens, args.rate, stop),
                                name="bench-producer", daemon=True)
    ticker.timer.start()
    began = time.perf_counter()
    producer.start()
    app.exec()
    stop.set()
    producer.join(timeout=5)
    ticker.timer.stop()
    wall = time.perf_counter() - began

    render, late = sink.render_ms, ticker.late_ms
    tenth = max(1, len(render) // 10)
    growth = statistics.fmean(render[-tenth:]) / max(statistics.fmean(render[:tenth]), 1e-6)
    stall_p99 = percentile(late, 99)
    chars = len(view.message_widget("bench-a").content())
    print(f"streamed {len(tokens)} tokens ({chars} chars) in {wall:.1f} s at {args.rate:g} tok/s,"
          f" {len(render)} updates, {args.prior} earlier messages")
    print(f"event-loop stall (5 ms timer lateness): p50 {percentile(late, 50):.1f} ms,"
          f" p99 {stall_p99:.1f} ms, max {max(late):.1f} ms")
    print(f"append_answer per update: p50 {percentile(render, 50):.2f} ms,"
          f" p99 {percentile(render, 99):.2f} ms, max {max(render):.2f} ms")
    print(f"last 10 % / first 10 % of updates: {growth:.2f}"
          f" ({statistics.fmean(render[-tenth:]):.2f} ms / {statistics.fmean(render[:tenth]):.2f} ms)")
    ok_stall = stall_p99 <= TARGET_STALL_P99_MS
    ok_growth = growth <= TARGET_GROWTH
    print(f"{'PASS' if ok_stall else 'FAIL'}: stall p99 {stall_p99:.1f} ms"
          f" (target ≤ {TARGET_STALL_P99_MS:g} ms)")
    print(f"{'PASS' if ok_growth else 'FAIL'}: growth {growth:.2f} (target ≤ {TARGET_GROWTH:g})")


if __name__ == "__main__":
    main()
