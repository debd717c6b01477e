"""Benchmark: streaming a long answer into the chat view, as the app does.

`python -m tests.bench.bench_render [--tokens N] [--rate TOK_PER_S] [--prior M] [--case C]`
builds a ChatView holding M earlier messages, then a worker thread produces N tokens at a steady
rate; every 33 ms the batch so far crosses to the GUI thread through a signal of a QObject living
there and goes into `append_answer`. Two answers, side by side: Markdown-heavy (paragraphs,
lists, tables, code blocks) and maths-heavy (R1-style LaTeX: inline and display, fractions,
sums, matrices, aligned, cases, \boxed, Chinese in \text{}, prices that are not maths), whose
formulas render on the app's worker thread (`app.gui.chat.formula_worker`), ziamath imported on the
first one as in the app. Measured: (a) event-loop stall: lateness of a 5 ms timer on the GUI
thread (target p99 ≤ 33 ms); (b) time inside `append_answer` per update, and the mean of the last
10 % of updates over the first 10 % (target ≤ 2.0: an update costs the same at the end of the
answer as at its start); (c) the time to render one formula (ziamath loaded, not cached), for
the corpus of tests/support/maths_corpus.md, and a cache hit.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import threading
import time
from dataclasses import dataclass

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication

from ui.chat.chat_view import ChatView
from ui.chat.view_models import MessageState, MessageView

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

_MATHS_SECTION = r"""### 第 {n} 步：计算面积与求和

Let $r_{n} = {n}$ be the radius, so the area is $\text{{面积}} = \pi r_{n}^2 = {n2}\pi$. We need
$\sum_{{k=1}}^{{{n}}} k = \frac{{{n}({n}+1)}}{{2}}$ and the bound $a_{n} \le {n}$ for $n \ne 0$.
The price of $5 per item is not maths, and neither is `$PATH`.

\[
\int_0^{{{n}}} x^2\, dx = \frac{{{n}^3}}{{3}}
\]

$$
\begin{{aligned}}
(a+b)^{n2} &= \sum_{{k=0}}^{{{n2}}} \binom{{{n2}}}{{k}} a^k b^{{{n2}-k}} \\
           &\ge {n}\,ab
\end{{aligned}}
$$

So $f(x) = \begin{{cases}} x^{n}, & x \ge 0 \\ -x, & x < 0 \end{{cases}}$ and
$$A_{n} = \begin{{pmatrix}} {n} & 1 \\ 0 & {n} \end{{pmatrix}}, \quad \det A_{n} = {n2}$$

因此答案是 $\boxed{{{n2}}}$，并且 \(\lim_{{x \to \infty}} \left(1 + \frac{{1}}{{x}}\right)^{{x}} = e\) 成立。
We check with $x \in \mathbb{{R}}$, $x \times y \cdot z$, and $O(n \log n)$ work.

"""


def markdown_tokens(count: int) -> list[str]:
    """`count` token-sized pieces (about four characters each) of a Markdown-heavy answer."""
    pieces: list[str] = []
    n = 0
    while len(pieces) < count:
        n += 1
        text = _SECTION.format(n=n, topic=_TOPICS[n % len(_TOPICS)], a=10 + n, b=3, c=40 + n)
        pieces.extend(re.findall(r"\s*\S{1,4}|\s+", text))
    return pieces[:count]


def maths_tokens(count: int) -> list[str]:
    """`count` token-sized pieces of a maths-heavy answer (new formulas in every section)."""
    pieces: list[str] = []
    n = 1
    while len(pieces) < count:
        n += 1
        pieces.extend(re.findall(r"\s*\S{1,4}|\s+", _MATHS_SECTION.format(n=n, n2=n * n)))
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


@dataclass
class Run:
    late_ms: list[float]
    render_ms: list[float]
    chars: int
    wall_s: float
    formulas: int = 0


def stream(app: QApplication, tokens: list[str], rate: float, prior: int) -> Run:
    view = ChatView()
    view.resize(1000, 800)
    view.set_messages(prior_messages(prior))
    view.add_message(MessageView("bench-q", "user", "Explain how to keep streaming smooth."))
    view.add_message(MessageView("bench-a", "assistant", "", state=MessageState.STREAMING))
    view.set_generating(True)
    view.show()
    app.processEvents()

    relay, sink, ticker = _Relay(), _Sink(view, "bench-a"), _Ticker()
    relay.batch.connect(sink.on_batch)
    relay.done.connect(sink.on_done)
    stop = threading.Event()
    producer = threading.Thread(target=_produce, args=(relay, tokens, rate, stop),
                                name="bench-producer", daemon=True)
    ticker.timer.start()
    began = time.perf_counter()
    producer.start()
    app.exec()
    stop.set()
    producer.join(timeout=5)
    ticker.timer.stop()
    wall = time.perf_counter() - began
    answer = view.message_widget("bench-a").answer_view
    run = Run(ticker.late_ms, sink.render_ms, len(answer.markdown()), wall,
              answer.formula_count())
    view.hide()
    view.deleteLater()
    return run


def report(name: str, run: Run, tokens: int, rate: float, prior: int) -> bool:
    render, late = run.render_ms, run.late_ms
    tenth = max(1, len(render) // 10)
    growth = statistics.fmean(render[-tenth:]) / max(statistics.fmean(render[:tenth]), 1e-6)
    stall_p99 = percentile(late, 99)
    shown = f", {run.formulas} formula images" if run.formulas else ""
    print(f"[{name}] streamed {tokens} tokens ({run.chars} chars{shown}) in {run.wall_s:.1f} s"
          f" at {rate:g} tok/s, {len(render)} updates, {prior} earlier messages")
    print(f"[{name}] event-loop stall (5 ms timer lateness): p50 {percentile(late, 50):.1f} ms,"
          f" p99 {stall_p99:.1f} ms, max {max(late):.1f} ms")
    print(f"[{name}] append_answer per update: p50 {percentile(render, 50):.2f} ms,"
          f" p99 {percentile(render, 99):.2f} ms, max {max(render):.2f} ms")
    print(f"[{name}] last 10 % / first 10 % of updates: {growth:.2f}"
          f" ({statistics.fmean(render[-tenth:]):.2f} ms / {statistics.fmean(render[:tenth]):.2f} ms)")
    ok_stall = stall_p99 <= TARGET_STALL_P99_MS
    ok_growth = growth <= TARGET_GROWTH
    print(f"{'PASS' if ok_stall else 'FAIL'}: [{name}] stall p99 {stall_p99:.1f} ms"
          f" (target ≤ {TARGET_STALL_P99_MS:g} ms)")
    print(f"{'PASS' if ok_growth else 'FAIL'}: [{name}] growth {growth:.2f}"
          f" (target ≤ {TARGET_GROWTH:g})")
    return ok_stall and ok_growth


def formula_times() -> None:
    """Milliseconds to render one formula (ziamath loaded, our cache cold) at dpr 2: first at a
    font size not used before, then again with the image cache cleared but the glyph outlines of
    that size written (as in a session, where the size stays)."""
    from tests.support.maths_corpus import formulas as corpus
    from ui.markdown import formulas
    from ui.markdown.render import MathStyle

    formulas.warm_up()
    style = MathStyle(color="#0a0b0c", font_px=15.0, x_height=8.0, dpr=2.0)
    for run in ("new size", "outlines written"):
        formulas.clear_cache()
        inline: list[float] = []
        display: list[float] = []
        for _, is_display, latex in corpus():
            key = style.key(latex, is_display)
            start = time.perf_counter()
            formulas.render(key)
            (display if is_display else inline).append((time.perf_counter() - start) * 1000.0)
        every = inline + display
        print(f"[formula] render one formula, {len(every)} corpus formulas ({run}; ziamath "
              f"loaded, image not cached): median {statistics.median(every):.1f} ms, p95 "
              f"{percentile(every, 95):.1f} ms; inline median {statistics.median(inline):.1f} ms "
              f"({len(inline)}), display median {statistics.median(display):.1f} ms "
              f"({len(display)})")
    start = time.perf_counter()
    hits = 0
    for _, is_display, latex in corpus() * 20:
        hits += formulas.cached(style.key(latex, is_display)) is not formulas.MISSING
    hit_us = (time.perf_counter() - start) * 1e6 / hits
    print(f"[formula] cache hit {hit_us:.1f} µs. Rendering is on the worker thread: the GUI "
          "thread only looks images up.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=4000)
    parser.add_argument("--rate", type=float, default=200.0, help="tokens per second")
    parser.add_argument("--prior", type=int, default=20, help="earlier messages in the chat")
    parser.add_argument("--case", choices=("markdown", "maths", "both"), default="both")
    args = parser.parse_args()

    app = QApplication.instance() or QApplication([])
    if args.case in ("markdown", "both"):
        run = stream(app, markdown_tokens(args.tokens), args.rate, args.prior)
        report("markdown", run, args.tokens, args.rate, args.prior)
    if args.case in ("maths", "both"):
        from app.gui.chat.formula_worker import ThreadedFormulas
        from ui.markdown.formulas import use_formulas

        source = ThreadedFormulas()  # as the app runs it: formulas on a worker thread
        use_formulas(source)
        try:
            run = stream(app, maths_tokens(args.tokens), args.rate, args.prior)
        finally:
            use_formulas(None)
            source.shutdown(5000)
        report("maths", run, args.tokens, args.rate, args.prior)
        formula_times()


if __name__ == "__main__":
    main()
