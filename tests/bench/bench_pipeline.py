"""Benchmark: decode tokens/s through the whole GUI pipeline vs the raw llama-cpp-python loop.

`python -m tests.bench.bench_pipeline [--rounds R]`: the real app, offscreen, with the ~300 MB
generated bench model and a 512-token context: a message is sent from the composer, the
generation thread decodes until the context is full, deltas cross to the GUI thread in batches,
the chat view renders them as Markdown and the store saves as it streams. The pipeline's speed is
the tokens the window received over the time between the first and the last delta, timed on the
GUI thread. Beside it, the GUI thread's own CPU time over that span, as a share of it: what the
window takes from the decode. The raw loop (same model, threads and token count) runs right after
each round, in a child process, and the ratio is the median of the rounds' ratios (the machine's
speed drifts between rounds more than the GUI costs): llama.cpp's OpenMP pool belongs to the thread that first decodes, and a second pool in
one process (the raw loop's on the main thread, the app's on its generation thread) slows both,
which the app itself never does. Target: ≥ 0.97×.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QObject, Slot

TARGET_RATIO = 0.97
N_CTX = 512
# Markdown-like text that never ends by itself, so every round decodes until the context is full.
GRAMMAR = ('root ::= "## Plan\\n\\n- step one\\n- step two\\n\\n" body\n'
           'body ::= para body\npara ::= [a-z ,.]{150,400} ".\\n\\n"')


class _Arrivals(QObject):
    """Lives on the GUI thread: records when each batch of answer text reaches it."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []
        self.cpu: list[float] = []  # the GUI thread's CPU clock at each

    @Slot(str, str)
    def on_answer(self, _message_id: str, _text: str) -> None:
        self.times.append(time.perf_counter())
        self.cpu.append(time.thread_time())


def gui_pipeline(model: Path, home: Path) -> tuple[float, int, float]:
    """Tokens/s the window received, tokens decoded, and the GUI thread's CPU share meanwhile."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.gui.app_controller import AppController
    from app.gui.garbage_collector import MainThreadGarbageCollector
    from app.gui.generation_worker import GenerationThread, GenerationWorker
    from backend.engine.local_engine import LocalEngine
    from backend.paths import app_paths
    from ui.markdown.render import warm_up

    os.environ["DEEPSEEK_LOCAL_HOME"] = str(home)
    paths = app_paths().ensure()
    (paths.config / "settings.json").write_text(json.dumps(
        {"version": 1, "n_ctx": N_CTX, "welcome_shown": True}))
    app = QApplication.instance() or QApplication([])
    collector = MainThreadGarbageCollector(app)  # as the app runs: collections on the GUI thread
    collector.start()
    controller = AppController(app, paths, model=str(model), generation=GenerationThread(
        GenerationWorker(LocalEngine(grammar=GRAMMAR))))
    controller.window.show()
    controller.start()
    loop = QEventLoop()
    controller.models.loaded_changed.connect(loop.quit)
    QTimer.singleShot(120_000, loop.quit)
    loop.exec()
    warm_up()  # as the app does once it is idle after start-up
    collector.settle()
    arrivals = _Arrivals()
    controller.generation.worker.answer.connect(arrivals.on_answer)
    controller.chat.generating_changed.connect(loop.quit)
    controller.window.composer.set_deep_thinking(False)
    controller.chat.send("Write a plan.")
    while controller.chat.streaming is not None:
        loop.exec()
    message = controller.store.messages(controller.chat.conversation_id)[-1]
    controller.shutdown()
    controller.window.close()
    controller.window.deleteLater()
    QApplication.processEvents()
    collector.stop()
    tokens = message.stats.completion_tokens if message.stats else 0
    span = arrivals.times[-1] - arrivals.times[0] if len(arrivals.times) > 1 else 0.0
    gui_cpu = arrivals.cpu[-1] - arrivals.cpu[0] if arrivals.cpu else 0.0
    if os.environ.get("BENCH_DEBUG"):
        print(f"    worker-side {message.stats.decode_tps:.1f} tok/s, window-side "
              f"{(tokens - 1) / span:.1f}, {len(arrivals.times)} batches")
    if span <= 0:
        return 0.0, tokens, 0.0
    return (tokens - 1) / span, tokens, gui_cpu / span


def _raw_loop_in_child(model: Path, tokens: int, threads: int) -> float:
    code = ("import sys; from pathlib import Path; from tests.bench.bench_engine import raw_loop; "
            f"print(raw_loop(Path({str(model)!r}), {tokens}, 7, {threads}))")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(root)}).stdout
    return float(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "deepseek-local-bench")
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)

    from backend.engine.devices import cpu_cores
    from tests.bench.bench_engine import bench_model

    threads = cpu_cores()[0]
    model = bench_model(args.dir)
    raw, gui, shares = [], [], []
    tokens = 0
    for i in range(args.rounds):
        with tempfile.TemporaryDirectory() as home:
            speed, tokens, share = gui_pipeline(model, Path(home) / f"round{i}")
        gui.append(speed)
        shares.append(share)
        raw.append(_raw_loop_in_child(model, tokens, threads))
    ratios = sorted(g / r for g, r in zip(gui, raw, strict=True))
    print(f"GUI pipeline benchmark: {model.name}, {tokens} tokens per round, {threads} threads, "
          f"{args.rounds} rounds")
    print(f"  raw eval/sample loop      {statistics.median(raw):8.1f} tok/s (median)")
    print(f"  GUI pipeline (window)     {statistics.median(gui):8.1f} tok/s (median)")
    print(f"  ratio, median of rounds   {statistics.median(ratios):8.3f}   (rounds "
          f"{ratios[0]:.3f}–{ratios[-1]:.3f}; target ≥ {TARGET_RATIO})")
    print(f"  GUI thread's CPU time     {100 * statistics.median(shares):7.1f} % of the stream "
          f"(median)")


if __name__ == "__main__":
    main()
