"""`--self-test`: load the model given with --model, answer one short prompt, exit 0 (or not).

Used by `make bundle-test` to prove a built bundle really runs llama.cpp, Qt and the app.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtWidgets import QApplication

from app.gui.app_controller import AppController
from backend.chat.messages import MessageState

log = logging.getLogger(__name__)

TIMEOUT_MS = 120_000


class SelfTest(QObject):
    def __init__(self, controller: AppController) -> None:
        super().__init__()
        self.controller = controller
        self.sent = False
        controller.models.loaded_changed.connect(self._on_models_loaded_changed)
        controller.chat.generating_changed.connect(self._on_chat_generating_changed)
        controller.generation.worker.load_failed.connect(self._on_load_failed)
        QTimer.singleShot(TIMEOUT_MS, self._on_timeout)

    @Slot(bool)
    def _on_models_loaded_changed(self, ready: bool) -> None:
        if ready and not self.sent:
            self.sent = True
            self.controller.chat.max_tokens = 32  # a random-weight model may never stop
            self.controller.window.composer.set_deep_thinking(False)
            self.controller.chat.send("Say hello in three words.")

    @Slot(bool)
    def _on_chat_generating_changed(self, busy: bool) -> None:
        if busy or not self.sent:
            return
        chat = self.controller.chat
        assert chat.conversation_id is not None  # a message was sent in it
        last = self.controller.store.messages(chat.conversation_id)[-1]
        ok = last.state is MessageState.COMPLETE
        print(f"self-test: {'ok' if ok else 'FAILED'}: {last.state.value}, "
              f"{len(last.content) + len(last.reasoning)} characters", flush=True)
        self._finish(0 if ok else 1)

    @Slot(str)
    def _on_load_failed(self, message: str) -> None:
        print(f"self-test: FAILED to load the model: {message}", flush=True)
        self._finish(1)

    @Slot()
    def _on_timeout(self) -> None:
        print("self-test: FAILED: no answer within the time limit", flush=True)
        self._finish(2)

    def _finish(self, code: int) -> None:
        # Later, not inside the signal: the controller that emitted it is still finishing up.
        QTimer.singleShot(0, lambda: self._quit(code))

    def _quit(self, code: int) -> None:
        self.controller.window.close()
        QApplication.exit(code)
