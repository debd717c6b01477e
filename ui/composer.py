"""The message composer: a growing multi-line input, Send/Stop, the Deep thinking toggle and, for
models whose chat template knows effort levels (DeepSeek-V4), the reasoning effort beside it, and
the files attached to the message (by the Attach button, drag and drop, or paste) with the
message's size against the model's context."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QObject, QSize, Qt, Signal, Slot
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from backend.chat.attachments import estimate_tokens, message_budget
from ui.chat.attachment_chips import AttachmentTray
from ui.growing_text import GrowingTextEdit


class Composer(QFrame):
    """Signals:
        send_requested(str): the text to send (never empty).
        stop_requested(): stop the answer being written.
        deep_thinking_toggled(bool): the user flipped Deep thinking.
        files_chosen(list): paths of files to attach (Attach button, drag and drop, paste).
        image_pasted(): an image (not a file) was pasted.
        effort_changed(str): the user chose a reasoning effort ("high", "max"; "" the default).
    """

    send_requested = Signal(str)
    stop_requested = Signal()
    deep_thinking_toggled = Signal(bool)
    files_chosen = Signal(list)
    image_pasted = Signal()
    effort_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self._generating = False
        self._ready = True
        self.input = GrowingTextEdit(self, max_lines=8, submit_on_enter=True)
        self.input.setPlaceholderText(self.tr("Message DeepSeek"))
        self.deep_thinking = QToolButton(self)
        self.deep_thinking.setObjectName("deepThinking")
        self.deep_thinking.setCheckable(True)
        self.deep_thinking.setText(self.tr("Deep thinking"))
        self.deep_thinking.setToolTip(self.tr("Let the model reason step by step before answering"))
        self.deep_thinking.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.effort = QComboBox(self)
        self.effort.setObjectName("reasoningEffort")
        self.effort.setToolTip(self.tr(
            "How hard the model thinks with Deep thinking on. Max effort reasons longest; it "
            "works best with a long context."))
        self.effort.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.effort.hide()  # only for models whose template knows effort levels
        self._effort_choice = ""  # the conversation's choice, kept when a model lacks it
        self.send = QPushButton(self.tr("Send"), self)
        self.send.setObjectName("send")
        self.send.setDefault(False)
        self.send.setAutoDefault(False)
        self.send.setMinimumSize(QSize(72, 32))
        self._build_attachments()

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.attach)
        row.addWidget(self.deep_thinking)
        row.addWidget(self.effort)
        row.addStretch(1)
        row.addWidget(self.context_label)
        row.addWidget(self.send)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        layout.addWidget(self.attachments)
        layout.addWidget(self.input)
        layout.addLayout(row)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        self.input.submitted.connect(self._on_input_submitted)
        self.input.escape.connect(self._on_input_escape)
        self.send.clicked.connect(self._on_send_clicked)
        self.deep_thinking.toggled.connect(self.deep_thinking_toggled)
        self.deep_thinking.toggled.connect(self._on_deep_thinking_toggled)
        self.effort.activated.connect(self._on_effort_activated)
        self.input.textChanged.connect(self._update_send)
        self._update_send()

    # -- values from the app --------------------------------------------------------------------

    def set_generating(self, generating: bool) -> None:
        """While an answer is written the Send button is a Stop button."""
        self._generating = generating
        self.send.setText(self.tr("Stop") if generating else self.tr("Send"))
        self.send.setProperty("stop", generating)
        self.send.style().unpolish(self.send)
        self.send.style().polish(self.send)
        self._update_send()

    def set_deep_thinking(self, on: bool) -> None:
        """Show the toggle's state without emitting `deep_thinking_toggled`."""
        blocked = self.deep_thinking.blockSignals(True)
        self.deep_thinking.setChecked(on)
        self.deep_thinking.blockSignals(blocked)
        self.effort.setEnabled(on)

    def set_effort_levels(self, levels: tuple[str, ...]) -> None:
        """The efforts the current model knows ("high", "max"); none hides the choice."""
        if levels == tuple(self.effort.itemData(i) for i in range(1, self.effort.count())):
            return
        self.effort.clear()
        self.effort.addItem(self.tr("Normal effort"), "")
        names = {"high": self.tr("High effort"), "max": self.tr("Max effort")}
        for level in levels:
            self.effort.addItem(names.get(level, level), level)
        self.effort.setVisible(bool(levels))
        self._show_effort()

    def set_effort(self, effort: str | None) -> None:
        """Show the conversation's effort without emitting `effort_changed`."""
        self._effort_choice = effort or ""
        self._show_effort()

    def reasoning_effort(self) -> str | None:
        """The effort chosen for the next answer, if the current model knows it."""
        known = bool(self._effort_choice) and self.effort.findData(self._effort_choice) > 0
        return self._effort_choice if known else None

    def _show_effort(self) -> None:
        index = self.effort.findData(self._effort_choice)
        self.effort.setCurrentIndex(max(index, 0))
        self.effort.setEnabled(self.deep_thinking.isChecked())

    def set_ready(self, ready: bool, reason: str = "") -> None:
        """Whether a message can be sent now (a model is loaded); `reason` says why not."""
        self.input.setPlaceholderText(self.tr("Message DeepSeek") if ready else reason)
        # QPlainTextEdit repaints only when the placeholder appears or disappears, not when a
        # shown one changes its text: without this the box reads "Loading the model…" until
        # the next paint (a key press, a resize).
        self.input.viewport().update()
        self.send.setProperty("ready", ready)
        self._ready = ready
        self._update_send()

    def text(self) -> str:
        return self.input.toPlainText()

    def set_text(self, text: str) -> None:
        self.input.setPlainText(text)

    # -- intents ------------------------------------------------------------------------------

    @Slot(bool)
    def _on_deep_thinking_toggled(self, on: bool) -> None:
        self.effort.setEnabled(on)  # effort only matters while the model thinks

    @Slot(int)
    def _on_effort_activated(self, index: int) -> None:
        self._effort_choice = str(self.effort.itemData(index) or "")
        self.effort_changed.emit(self._effort_choice)

    def _on_input_submitted(self) -> None:
        if self._generating:
            return
        self._send()

    def _on_input_escape(self) -> None:
        if self._generating:
            self.stop_requested.emit()

    def _on_send_clicked(self) -> None:
        if self._generating:
            self.stop_requested.emit()
        else:
            self._send()

    def _send(self) -> None:
        text = self.input.toPlainText().strip()
        if not text or not self._ready:
            return
        self.input.clear()
        self.send_requested.emit(text)

    def _update_send(self) -> None:
        has_text = bool(self.input.toPlainText().strip())
        self.send.setEnabled(self._generating or (self._ready and has_text))

    # -- attachments --------------------------------------------------------------------------

    def _build_attachments(self) -> None:
        self._n_ctx: int | None = None
        self.attachments = AttachmentTray(self)
        self.attach = QToolButton(self)
        self.attach.setObjectName("attach")
        self.attach.setText(self.tr("Attach"))
        self.attach.setToolTip(self.tr(
            "Attach text, Markdown, code, PDF or .docx files (or drop them here, or paste them)"))
        self.attach.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.context_label = QLabel(self)
        self.context_label.setObjectName("messageSize")
        self.context_label.hide()
        self.setAcceptDrops(True)
        # The input would take dropped and pasted files as text: they come here first.
        self.input.installEventFilter(self)
        self.input.viewport().installEventFilter(self)
        self.attach.clicked.connect(self._on_attach_clicked)
        self.attachments.changed.connect(self._update_context_label)
        self.input.textChanged.connect(self._update_context_label)

    def set_context_size(self, n_ctx: int | None) -> None:
        """The model's context in tokens (None: not known, e.g. a server's)."""
        self._n_ctx = n_ctx
        self._update_context_label()

    def message_tokens(self) -> int:
        """The message's size so far: its files (counted) and its text (estimated)."""
        return self.attachments.total_tokens() + estimate_tokens(self.input.toPlainText())

    def over_budget(self) -> bool:
        """Whether the files and text leave too little of the context for an answer."""
        return (self._n_ctx is not None and bool(len(self.attachments))
                and self.message_tokens() > message_budget(self._n_ctx))

    @Slot()
    def _update_context_label(self) -> None:
        if not len(self.attachments):
            self.context_label.hide()
            return
        tokens = self.message_tokens()
        if self._n_ctx is None:
            self.context_label.setText(self.tr("≈{0:,} tokens").format(tokens))
            self.context_label.setToolTip(self.tr("The message's size in tokens"))
        else:
            self.context_label.setText(self.tr("≈{0:,} / {1:,} tokens").format(tokens,
                                                                                 self._n_ctx))
            self.context_label.setToolTip(self.tr(
                "The message's size against the model's context; up to {0:,} tokens leave room "
                "for the answer").format(message_budget(self._n_ctx)))
        over = self.over_budget()
        if self.context_label.property("over") != over:
            self.context_label.setProperty("over", over)
            self.context_label.style().unpolish(self.context_label)
            self.context_label.style().polish(self.context_label)
        self.context_label.show()

    @Slot()
    def _on_attach_clicked(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Attach files"), str(Path.home()),
            self.tr("Documents (*.txt *.md *.pdf *.docx *.py *.js *.ts *.json *.csv *.html *.c "
                    "*.cpp *.h *.java *.go *.rs *.sh *.yaml *.toml *.xml *.log);;All files (*)"))
        if paths:
            self.files_chosen.emit(paths)

    def _local_files(self, mime: QMimeData) -> list[str]:
        return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]

    def _take_files(self, mime: QMimeData) -> bool:
        """Files in a drop or a paste are attached; an image alone is refused. True if taken."""
        files = self._local_files(mime)
        if files:
            self.files_chosen.emit(files)
            return True
        if mime.hasImage():
            self.image_pasted.emit()
            return True
        return False

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        if self._take_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dropEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove) and isinstance(
                event, QDropEvent) and self._local_files(event.mimeData()):
            event.acceptProposedAction()
            return True
        if (kind == QEvent.Type.Drop and isinstance(event, QDropEvent)
                and self._take_files(event.mimeData())):
            event.acceptProposedAction()
            return True
        if (kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.matches(QKeySequence.StandardKey.Paste)):
            clipboard = QGuiApplication.clipboard().mimeData()
            if clipboard is not None and self._take_files(clipboard):
                return True
        return super().eventFilter(watched, event)
