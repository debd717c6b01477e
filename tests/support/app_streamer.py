"""Run the real app offscreen, send one message, and stream forever (until killed).

`python -m tests.support.app_streamer DATA_DIR MODEL`: the kill -9 test's victim.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    data_dir, model = sys.argv[1], sys.argv[2]
    os.environ["DEEPSEEK_LOCAL_HOME"] = data_dir
    from PySide6.QtWidgets import QApplication

    from app.gui.app_controller import AppController
    from app.gui.generation_worker import GenerationThread, GenerationWorker
    from backend.engine.local_engine import LocalEngine
    from backend.paths import app_paths

    app = QApplication([sys.argv[0]])
    engine = LocalEngine(grammar='root ::= "word " root')  # never stops by itself
    controller = AppController(app, app_paths().ensure(), model=model,
                               generation=GenerationThread(GenerationWorker(engine)))
    controller.start()

    def send_when_ready(ready: bool) -> None:
        if ready:
            controller.chat.send("Write forever")

    controller.models.loaded_changed.connect(send_when_ready)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
