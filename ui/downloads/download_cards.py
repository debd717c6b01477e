"""One download job as a card: title and state, total and per-file progress, its buttons, and
the fix for a failure in place (a token field, "Free 3.2 GB on /home and retry."). Widgets only.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

JOBS_MAX_HEIGHT = 280


@dataclass(frozen=True, slots=True)
class JobRow:
    id: str
    title: str
    state: str  # "Downloading", "Paused", "Installed", ...
    tone: str  # the state's colour: "active", "good", "error" or "" (muted)
    progress: float | None  # the whole job, 0..1; None: not known yet (busy bar)
    file_progress: float | None  # the current file, 0..1
    summary: str  # "1.2 of 4.5 GB · 12.3 MB/s · about 4 min left"
    file_line: str = ""  # "Part 2 of 3 · 0.7 of 1.5 GB"
    message: str = ""  # an error (verbatim) or what the job is doing
    action: str = ""  # "", "retry", "token" or "disk"
    hint: str = ""  # the action in one line ("Free 3.2 GB on /home and retry.")
    can_pause: bool = False
    can_resume: bool = False
    can_cancel: bool = False
    can_retry: bool = False
    can_dismiss: bool = False
    retry_label: str = ""  # "": the button says Retry



class JobWidget(QFrame):
    """One download: title and state, total and per-file progress, buttons, the failure's fix.

    Signals: pause/resume/cancel/retry/dismiss_requested(str), token_submitted(str, str).
    """

    pause_requested = Signal(str)
    resume_requested = Signal(str)
    cancel_requested = Signal(str)
    retry_requested = Signal(str)
    dismiss_requested = Signal(str)
    token_submitted = Signal(str, str)

    def __init__(self, job_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job_id = job_id
        self.setObjectName("downloadJob")
        self.title = QLabel(self)
        self.title.setObjectName("jobTitle")
        self.state_label = QLabel(self)
        self.state_label.setObjectName("jobState")
        self.pause_button = QPushButton(self.tr("Pause"), self)
        self.resume_button = QPushButton(self.tr("Resume"), self)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.dismiss_button = QPushButton(self.tr("Clear"), self)
        self.dismiss_button.setToolTip(self.tr("Remove from this list"))
        self.progress = QProgressBar(self)
        self.progress.setObjectName("jobProgress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        self.summary = QLabel(self)
        self.summary.setObjectName("mutedText")
        self.file_label = QLabel(self)
        self.file_label.setObjectName("mutedText")
        self.file_progress = QProgressBar(self)
        self.file_progress.setObjectName("fileProgress")
        self.file_progress.setRange(0, 1000)
        self.file_progress.setTextVisible(False)
        self.file_progress.setFixedSize(90, 4)
        self.message = QLabel(self)
        self.message.setObjectName("jobMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint = QLabel(self)
        self.hint.setObjectName("jobHint")
        self.token_edit = QLineEdit(self)
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText(self.tr("hf_…"))
        self.token_edit.setMinimumWidth(220)
        self.token_button = QPushButton(self.tr("Save token and retry"), self)
        self.token_button.setObjectName("primaryButton")
        self.retry_button = QPushButton(self.tr("Retry"), self)

        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.title)
        top.addWidget(self.state_label)
        top.addStretch(1)
        for button in (self.pause_button, self.resume_button, self.cancel_button,
                       self.dismiss_button):
            top.addWidget(button)
        self.numbers = QWidget(self)
        numbers = QHBoxLayout(self.numbers)
        numbers.setContentsMargins(0, 0, 0, 0)
        numbers.setSpacing(8)
        numbers.addWidget(self.summary)
        numbers.addStretch(1)
        numbers.addWidget(self.file_label)
        numbers.addWidget(self.file_progress, 0, Qt.AlignmentFlag.AlignVCenter)
        self.fix = QWidget(self)
        fix = QHBoxLayout(self.fix)
        fix.setContentsMargins(0, 0, 0, 0)
        fix.setSpacing(8)
        fix.addWidget(self.hint)
        fix.addWidget(self.token_edit, 1)
        fix.addWidget(self.token_button)
        fix.addStretch(0)
        fix.addWidget(self.retry_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 12)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.progress)
        layout.addWidget(self.numbers)
        layout.addWidget(self.message)
        layout.addWidget(self.fix)

        self.pause_button.clicked.connect(self._on_pause_clicked)
        self.resume_button.clicked.connect(self._on_resume_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.dismiss_button.clicked.connect(self._on_dismiss_clicked)
        self.retry_button.clicked.connect(self._on_retry_clicked)
        self.token_button.clicked.connect(self._on_token_clicked)
        self.token_edit.returnPressed.connect(self._on_token_clicked)

    def show_row(self, row: JobRow) -> None:
        self.title.setText(row.title)
        self.state_label.setText(row.state)
        _restyle(self.state_label, "tone", row.tone)
        _set_fraction(self.progress, row.progress)
        _restyle(self.progress, "tone", row.tone)
        self.summary.setText(row.summary)
        self.numbers.setVisible(bool(row.summary or row.file_line))
        self.file_label.setText(row.file_line)
        self.file_label.setVisible(bool(row.file_line))
        self.file_progress.setVisible(bool(row.file_line) and row.file_progress is not None)
        _set_fraction(self.file_progress, row.file_progress)
        self.message.setText(row.message)
        self.message.setVisible(bool(row.message))
        _restyle(self.message, "error", row.tone == "error")
        self.hint.setText(row.hint)
        self.hint.setVisible(bool(row.hint))
        token = row.action == "token"
        self.token_edit.setVisible(token)
        self.token_button.setVisible(token)
        self.retry_button.setText(row.retry_label or self.tr("Retry"))
        self.retry_button.setVisible(row.can_retry and not token)
        self.pause_button.setVisible(row.can_pause)
        self.resume_button.setVisible(row.can_resume)
        self.cancel_button.setVisible(row.can_cancel)
        self.dismiss_button.setVisible(row.can_dismiss)
        self.fix.setVisible(bool(row.hint) or token or row.can_retry)

    @Slot()
    def _on_pause_clicked(self) -> None:
        self.pause_requested.emit(self.job_id)

    @Slot()
    def _on_resume_clicked(self) -> None:
        self.resume_requested.emit(self.job_id)

    @Slot()
    def _on_cancel_clicked(self) -> None:
        self.cancel_requested.emit(self.job_id)

    @Slot()
    def _on_dismiss_clicked(self) -> None:
        self.dismiss_requested.emit(self.job_id)

    @Slot()
    def _on_retry_clicked(self) -> None:
        self.retry_requested.emit(self.job_id)

    @Slot()
    def _on_token_clicked(self) -> None:
        token = self.token_edit.text().strip()
        if token:
            self.token_edit.clear()
            self.token_submitted.emit(self.job_id, token)


class JobsScroll(QScrollArea):
    """Asks for its jobs' height, up to `JOBS_MAX_HEIGHT`: the catalog table gets the rest."""

    def setWidget(self, widget: QWidget) -> None:
        super().setWidget(widget)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # a job came, went, or grew (a message, a token field)
        return super().eventFilter(watched, event)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        content = self.widget()
        if content is None:
            return hint
        width = self.viewport().width()
        height = (content.heightForWidth(width) if content.hasHeightForWidth() and width > 0
                  else content.sizeHint().height())
        return QSize(hint.width(), min(max(height, 0), JOBS_MAX_HEIGHT))


def _restyle(widget: QWidget, name: str, value: object) -> None:
    """Set a property the stylesheet selects on, and re-apply the stylesheet if it changed."""
    if widget.property(name) != value:
        widget.setProperty(name, value)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


def _set_fraction(bar: QProgressBar, fraction: float | None) -> None:
    if fraction is None:
        bar.setRange(0, 0)  # busy
    else:
        bar.setRange(0, 1000)
        bar.setValue(round(max(0.0, min(fraction, 1.0)) * 1000))
