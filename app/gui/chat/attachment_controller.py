"""Files attached in the composer: read off the GUI thread, counted with the loaded model (on the
generation thread, where the model lives), and checked against the context; a file too large
for it is cut to its first part only if the user agrees.

Lifecycle of one file: `files_chosen` → a "Reading…" chip and a short-lived Python thread that
reads it (`read_attachment`, estimated tokens) → `_read` back on the GUI thread → the chip shows
it, and the generation worker is asked for the exact count (`tokens_counted`) → the fit check.
A refusal (missing, binary, image, unreadable) removes the chip and says why under the files.
"""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QAbstractButton, QMessageBox

from app.gui.crash import bug_notice, reporting_bugs
from backend.chat.attachments import (
    AttachmentError,
    check_fits,
    estimate_tokens,
    file_block,
    keep_first,
    message_budget,
    read_attachment,
)
from backend.chat.messages import Attachment
from backend.errors import AppError

if TYPE_CHECKING:
    from app.gui.chat.chat_controller import ModelContext
    from app.gui.generation_worker import GenerationThread
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)

KEY_PREFIX = "attachment-"
MIN_KEPT_TOKENS = 64  # less room than this: cutting would keep nothing useful


class AttachmentController(QObject):
    """Lives on the GUI thread.

    Signals:
        _read(str, object): internal: a file was read (its key, an `Attachment` or the refusal).
    """

    _read = Signal(str, object)

    def __init__(self, window: MainWindow, generation: GenerationThread,
                 models: ModelContext) -> None:
        super().__init__()
        self.window = window
        self.composer = window.composer
        self.tray = window.composer.attachments
        self.generation = generation
        self.models = models
        self._keys = itertools.count(1)
        self._asking: tuple[str, int] | None = None  # the file and room of the open question
        self.question: QMessageBox | None = None
        self.composer.files_chosen.connect(self._on_composer_files_chosen)
        self.composer.image_pasted.connect(self._on_composer_image_pasted)
        generation.worker.tokens_counted.connect(self._on_worker_tokens_counted)
        self._read.connect(self._on_read)

    def update_context(self) -> None:
        """The model or engine changed: the composer shows the message against the new context."""
        self.composer.set_context_size(self.models.context_size())

    # -- reading --------------------------------------------------------------------------------

    @Slot(list)
    def _on_composer_files_chosen(self, paths: list[str]) -> None:
        self.tray.show_error("")
        for path in paths:
            key = f"{KEY_PREFIX}{next(self._keys)}"
            self.tray.add_pending(key, Path(path).name)
            threading.Thread(target=self._read_file, args=(key, path), name="attachment",
                             daemon=True).start()

    def _read_file(self, key: str, path: str) -> None:
        """On a Python thread: a PDF may take seconds."""
        with reporting_bugs(lambda: self._report(key, bug_notice())):
            try:
                result: Attachment | str = read_attachment(path)
            except AppError as exc:
                result = str(exc)
            self._report(key, result)

    def _report(self, key: str, result: Attachment | str) -> None:
        try:
            self._read.emit(key, result)
        except RuntimeError:  # the window (and this object) closed meanwhile
            log.debug("attachment %s read after the window closed", key)

    @Slot()
    def _on_composer_image_pasted(self) -> None:
        self.tray.show_error(self.tr(
            "The pasted image was not attached: this model cannot see images. Describe it in "
            "words, or attach text, Markdown, code, PDF or .docx files."))

    @Slot(str, object)
    def _on_read(self, key: str, result: Attachment | str) -> None:
        if isinstance(result, str):
            self.tray.remove(key)
            self.tray.show_error(result)
            return
        if not self.tray.set_attachment(key, result, exact=False):
            return  # removed while it was read
        if self.models.can_count_tokens():
            self.generation.count_tokens(key, file_block(result.name, result.text,
                                                         truncated=result.truncated))
        else:
            self._check_fits(key)

    @Slot(str, int)
    def _on_worker_tokens_counted(self, key: str, count: int) -> None:
        attachment = self.tray.attachment(key) if key.startswith(KEY_PREFIX) else None
        if attachment is None:
            return  # another counter's, or removed meanwhile
        if count >= 0:
            self.tray.set_attachment(key, replace(attachment, tokens=count), exact=True)
        self._check_fits(key)

    # -- the context ----------------------------------------------------------------------------

    def _check_fits(self, key: str) -> None:
        """A file that leaves too little room for the answer: offer to keep its first part."""
        n_ctx = self.models.context_size()
        attachment = self.tray.attachment(key)
        if n_ctx is None or attachment is None:
            return
        others = (self.tray.total_tokens() - attachment.tokens
                  + estimate_tokens(self.composer.text()))
        room = message_budget(n_ctx) - others
        if attachment.tokens <= room:
            return
        if room < MIN_KEPT_TOKENS or self.question is not None:
            try:
                check_fits(self.tray.attachments(), estimate_tokens(self.composer.text()), n_ctx)
            except AttachmentError as exc:
                self.tray.remove(key)
                self.tray.show_error(str(exc))
            return
        self._ask_keep_first(key, attachment, room, n_ctx)

    def _ask_keep_first(self, key: str, attachment: Attachment, room: int, n_ctx: int) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question, self.tr("File too large for the context"),
            self.tr("{0} is about {1:,} tokens, but with room for an answer only {2:,} of the "
                    "model's {3:,}-token context are left for it.\n\nKeep only its first part "
                    "(about {2:,} tokens)?").format(attachment.name, attachment.tokens, room,
                                                    n_ctx),
            QMessageBox.StandardButton.NoButton, self.window)
        keep = box.addButton(self.tr("Keep the first part"), QMessageBox.ButtonRole.AcceptRole)
        remove = box.addButton(self.tr("Remove the file"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(remove)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(self._on_question_button_clicked)
        self._asking = (key, room)
        self.question = box
        box.open()

    @Slot(QAbstractButton)
    def _on_question_button_clicked(self, button: QAbstractButton) -> None:
        box, asking = self.question, self._asking
        self.question, self._asking = None, None
        if box is None or asking is None:
            return
        key, room = asking
        attachment = self.tray.attachment(key)
        if attachment is None:
            return
        if box.buttonRole(button) is QMessageBox.ButtonRole.AcceptRole:
            self.tray.set_attachment(key, keep_first(attachment, room),
                                     exact=self.tray.is_exact())
        else:
            self.tray.remove(key)
