"""The model download dialog: the catalog (size, thinking mode, fit for this machine, licence) and
the download jobs with their progress, pause/resume/cancel, and the fix for each failure in place.

Widgets only: it shows the values it is given (`CatalogRow`, `JobRow`) and emits intents;
`app.download_controller` turns the download manager's state into those values.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QPalette, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.downloads.catalog_table import CatalogRow, CatalogTable
from ui.downloads.download_cards import JobRow, JobsScroll, JobWidget
from ui.theme import tones

__all__ = ["CatalogRow", "DownloadDialog", "JobRow", "JobWidget"]
class DownloadDialog(QDialog):
    """Signals:
        download_requested(str): a catalog row's key.
        load_requested(str): the key of an installed row the user wants to chat with.
        catalog_retry_requested(): look the catalog up again.
        pause_requested(str), resume_requested(str), cancel_requested(str),
        retry_requested(str), dismiss_requested(str): a job id.
        token_submitted(str, str): job id ("" from the catalog's notice), the token typed.
    """

    download_requested = Signal(str)
    load_requested = Signal(str)
    catalog_retry_requested = Signal()
    pause_requested = Signal(str)
    resume_requested = Signal(str)
    cancel_requested = Signal(str)
    retry_requested = Signal(str)
    dismiss_requested = Signal(str)
    token_submitted = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("downloadDialog")
        self.setWindowTitle(self.tr("Download models"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(1000, 760)
        self.setMinimumSize(720, 520)
        self._jobs: dict[str, JobWidget] = {}
        self.catalog_state = "idle"  # idle | loading | loaded | failed

        title = QLabel(self.tr("Download a model"), self)
        title.setObjectName("dialogTitle")
        subtitle = QLabel(self.tr("Sizes are read live from Hugging Face. Each verdict is planned "
                                  "for this machine's GPU and RAM."), self)
        subtitle.setObjectName("mutedText")
        subtitle.setWordWrap(True)
        self.family = QComboBox(self)
        self.family.setMinimumWidth(200)
        self.family.addItem(self.tr("All models"), "")
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search models and quants"))
        self.search.setClearButtonEnabled(True)
        filters = QHBoxLayout()
        filters.setSpacing(8)
        filters.addWidget(self.family)
        filters.addWidget(self.search, 1)

        self.notice = QFrame(self)
        self.notice.setObjectName("catalogNotice")
        self.notice_label = QLabel(self.notice)
        self.notice_label.setWordWrap(True)
        self.notice_token = QLineEdit(self.notice)
        self.notice_token.setEchoMode(QLineEdit.EchoMode.Password)
        self.notice_token.setPlaceholderText(self.tr("hf_…"))
        self.notice_button = QPushButton(self.tr("Save token and look again"), self.notice)
        notice_layout = QGridLayout(self.notice)
        notice_layout.setContentsMargins(12, 8, 12, 8)
        notice_layout.addWidget(self.notice_label, 0, 0, 1, 2)
        notice_layout.addWidget(self.notice_token, 1, 0)
        notice_layout.addWidget(self.notice_button, 1, 1)
        self.notice.hide()
        self._notice_asks_token = True

        self.table = CatalogTable(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.table)
        self.loading_label = QLabel(self.tr("Looking up sizes…"))
        self.loading_label.setObjectName("mutedText")
        busy = QProgressBar()
        busy.setRange(0, 0)
        busy.setTextVisible(False)
        busy.setFixedSize(220, 6)
        self.stack.addWidget(_centered(self.loading_label, busy))
        self.error_label = QLabel()
        self.error_label.setObjectName("jobMessage")
        self.error_label.setProperty("error", True)
        self.error_label.setWordWrap(True)
        self.error_label.setMinimumWidth(460)
        self.error_label.setMaximumWidth(560)
        self.error_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.catalog_retry = QPushButton(self.tr("Retry"))
        self.stack.addWidget(_centered(self.error_label, self.catalog_retry))
        self.empty_label = QLabel(self.tr("No model matches the filter."))
        self.empty_label.setObjectName("mutedText")
        self.stack.addWidget(_centered(self.empty_label))

        # The table takes whatever height the downloads leave (they ask for theirs first).
        self.stack.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.stack.setMinimumHeight(170)
        self.details = self._make_details()
        catalog = QWidget(self)
        catalog_layout = QVBoxLayout(catalog)
        catalog_layout.setContentsMargins(0, 0, 0, 0)
        catalog_layout.setSpacing(8)
        catalog_layout.addLayout(filters)
        catalog_layout.addWidget(self.notice)
        catalog_layout.addWidget(self.stack, 1)
        catalog_layout.addWidget(self.details)

        self.downloads = QWidget(self)
        downloads_title = QLabel(self.tr("Downloads"), self.downloads)
        downloads_title.setObjectName("sectionTitle")
        self.jobs_box = QWidget()
        self.jobs_box.setObjectName("jobsBox")
        self.jobs_layout = QVBoxLayout(self.jobs_box)
        self.jobs_layout.setContentsMargins(0, 0, 4, 0)
        self.jobs_layout.setSpacing(8)
        self.jobs_layout.addStretch(1)
        self.jobs_scroll = JobsScroll(self.downloads)
        self.jobs_scroll.setObjectName("jobsScroll")
        self.jobs_scroll.setWidgetResizable(True)
        self.jobs_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.jobs_scroll.setWidget(self.jobs_box)
        downloads_layout = QVBoxLayout(self.downloads)
        downloads_layout.setContentsMargins(0, 4, 0, 0)
        downloads_layout.setSpacing(6)
        downloads_layout.addWidget(downloads_title)
        downloads_layout.addWidget(self.jobs_scroll)
        self.downloads.hide()

        footer_note = QLabel(self.tr("Downloads keep running when you close this window, and "
                                     "resume the next time the app starts."), self)
        footer_note.setObjectName("mutedText")
        close = QPushButton(self.tr("Close"), self)
        close.setAutoDefault(False)
        footer = QHBoxLayout()
        footer.addWidget(footer_note, 1)
        footer.addWidget(close)

        layout = QVBoxLayout(self)
        # The window's minimum size is set once above: a layout-driven one would be re-sent to
        # the platform on every change (and the offscreen platform warns about each).
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addWidget(catalog, 1)
        layout.addWidget(self.downloads)
        layout.addLayout(footer)
        self.setStyleSheet(_stylesheet(self.palette()))

        self.family.currentIndexChanged.connect(self._on_filter_changed)
        self.search.textChanged.connect(self._on_filter_changed)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        self.table.itemActivated.connect(self._on_table_item_activated)
        self.download_button.clicked.connect(self._on_download_clicked)
        self.catalog_retry.clicked.connect(self.catalog_retry_requested)
        self.notice_button.clicked.connect(self._on_notice_token_clicked)
        self.notice_token.returnPressed.connect(self._on_notice_token_clicked)
        close.clicked.connect(self.close)
        self._show_details(None)

    def _make_details(self) -> QFrame:
        box = QFrame(self)
        box.setObjectName("catalogDetails")
        self.detail_title = QLabel(box)
        self.detail_title.setObjectName("detailTitle")
        self.detail_meta = QLabel(box)
        self.detail_meta.setObjectName("mutedText")
        self.detail_meta.setWordWrap(True)
        self.detail_text = QLabel(box)
        self.detail_text.setWordWrap(True)
        self.detail_license = QLabel(box)
        self.detail_license.setObjectName("mutedText")
        self.detail_license.setWordWrap(True)
        self.detail_problem = QLabel(box)
        self.detail_problem.setObjectName("jobMessage")
        self.detail_problem.setProperty("error", True)
        self.detail_problem.setWordWrap(True)
        self.download_button = QPushButton(self.tr("Download"), box)
        self.download_button.setObjectName("primaryButton")
        text = QVBoxLayout()
        text.setSpacing(3)
        for label in (self.detail_title, self.detail_meta, self.detail_text,
                      self.detail_license, self.detail_problem):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            text.addWidget(label)
        layout = QHBoxLayout(box)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(16)
        layout.addLayout(text, 1)
        layout.addWidget(self.download_button, 0, Qt.AlignmentFlag.AlignTop)
        return box

    # -- catalog ---------------------------------------------------------------------------------

    def set_filters(self, filters: Sequence[tuple[str, str]]) -> None:
        """The family filter's choices: (key, label); "All models" comes first by itself."""
        current = self.family.currentData()
        self.family.blockSignals(True)
        while self.family.count() > 1:
            self.family.removeItem(1)
        for key, label in filters:
            self.family.addItem(label, key)
        self.family.blockSignals(False)
        self.set_filter(current)

    def set_filter(self, key: str | None) -> None:
        index = self.family.findData(key or "")
        self.family.setCurrentIndex(max(index, 0))
        self._apply_filter()

    def show_catalog_loading(self) -> None:
        self.catalog_state = "loading"
        self.stack.setCurrentIndex(1)
        self.details.hide()

    def show_catalog_error(self, message: str) -> None:
        self.catalog_state = "failed"
        self.error_label.setText(message)
        self.notice.hide()
        self.details.hide()
        self.stack.setCurrentIndex(2)

    def show_catalog(self, rows: Sequence[CatalogRow], notice: str = "", *,
                     ask_token: bool = True) -> None:
        """The options, in the order given (the recommended first). `notice` asks for a token,
        or (`ask_token=False`) says the hub is out of reach, with a retry."""
        self.catalog_state = "loaded"
        selected = self.selected_row()
        self.table.show_rows(rows)
        self.notice_label.setText(notice)
        self.notice.setVisible(bool(notice))
        self._notice_asks_token = ask_token
        self.notice_token.setVisible(ask_token)
        self.notice_button.setText(self.tr("Save token and look again") if ask_token
                                   else self.tr("Look again"))
        self.details.show()
        self._apply_filter(keep=selected.key if selected else None)

    def visible_rows(self) -> list[CatalogRow]:
        """The rows the filter shows, top to bottom."""
        return self.table.visible_rows()

    def selected_row(self) -> CatalogRow | None:
        return self.table.selected_row()

    def select(self, key: str) -> None:
        self.table.select(key)

    # -- jobs ------------------------------------------------------------------------------------

    def show_job(self, row: JobRow) -> None:
        """Add the job, or update it in place."""
        widget = self._jobs.get(row.id)
        if widget is None:
            widget = JobWidget(row.id, self.jobs_box)
            for button in widget.findChildren(QPushButton):
                button.setAutoDefault(False)
            self._jobs[row.id] = widget
            self.jobs_layout.insertWidget(self.jobs_layout.count() - 1, widget)
            widget.pause_requested.connect(self.pause_requested)
            widget.resume_requested.connect(self.resume_requested)
            widget.cancel_requested.connect(self.cancel_requested)
            widget.retry_requested.connect(self.retry_requested)
            widget.dismiss_requested.connect(self.dismiss_requested)
            widget.token_submitted.connect(self.token_submitted)
            self.downloads.show()
        widget.show_row(row)

    def remove_job(self, job_id: str) -> None:
        widget = self._jobs.pop(job_id, None)
        if widget is not None:
            widget.hide()
            widget.deleteLater()
        self.downloads.setVisible(bool(self._jobs))

    def job_widget(self, job_id: str) -> JobWidget | None:
        return self._jobs.get(job_id)

    # -- internals -------------------------------------------------------------------------------

    @Slot()
    def _on_filter_changed(self) -> None:
        self._apply_filter()

    def _apply_filter(self, keep: str | None = None) -> None:
        if self.catalog_state != "loaded":
            return
        visible = self.table.apply_filter(self.family.currentData() or "", self.search.text())
        self.stack.setCurrentIndex(0 if visible else 3)
        current = self.selected_row()
        if keep is not None:
            self.select(keep)
        elif visible and (current is None or current not in visible):
            self.select(visible[0].key)
        elif not visible:
            self.table.clearSelection()
        self._show_details(self.selected_row() if visible else None)

    @Slot()
    def _on_table_selection_changed(self) -> None:
        self._show_details(self.selected_row())

    @Slot(QTableWidgetItem)
    def _on_table_item_activated(self, item: QTableWidgetItem) -> None:
        self._take(self.table.rows[item.row()])

    @Slot()
    def _on_download_clicked(self) -> None:
        row = self.selected_row()
        if row is not None:
            self._take(row)

    def _take(self, row: CatalogRow) -> None:
        """What the row's button offers: load an installed model, or download one."""
        if row.loaded:
            return
        if row.installed:
            self.load_requested.emit(row.key)
        elif row.problem is None:
            self.download_requested.emit(row.key)

    @Slot()
    def _on_notice_token_clicked(self) -> None:
        if not self._notice_asks_token:
            self.catalog_retry_requested.emit()
            return
        token = self.notice_token.text().strip()
        if token:
            self.notice_token.clear()
            self.token_submitted.emit("", token)

    def _show_details(self, row: CatalogRow | None) -> None:
        if row is None:
            self.detail_title.setText(self.tr("Select a model to see its details."))
            for label in (self.detail_meta, self.detail_text, self.detail_license,
                          self.detail_problem):
                label.hide()
            self.download_button.setText(self.tr("Download"))
            self.download_button.setEnabled(False)
            return
        self.detail_title.setText(f"{row.model} · {row.quant}")
        meta = [row.parameters, row.thinking, row.files, row.size, row.verdict]
        self.detail_meta.setText(" · ".join(m for m in meta if m))
        self.detail_text.setText(row.description)
        self.detail_license.setText(
            self.tr("Licence: {0}. {1}").format(row.license, row.license_note)
            if row.license else row.license_note)
        self.detail_problem.setText(self.tr("Unavailable: {0}").format(row.problem or ""))
        self.detail_meta.setVisible(bool(self.detail_meta.text()))
        self.detail_text.setVisible(bool(row.description))
        self.detail_license.setVisible(bool(row.license or row.license_note))
        self.detail_problem.setVisible(row.problem is not None and not row.installed)
        if row.loaded:
            self.download_button.setText(self.tr("Loaded"))
        elif row.installed:
            self.download_button.setText(self.tr("Load"))
        else:
            self.download_button.setText(
                self.tr("Download {0}").format(row.size) if row.problem is None and row.size
                else self.tr("Download"))
        self.download_button.setEnabled(not row.loaded and (row.installed
                                                            or row.problem is None))

    def showEvent(self, event: QShowEvent) -> None:
        # No default button: Enter in a text field (the search, a token) must not also start a
        # download or a retry. Enter on a table row downloads it (itemActivated).
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
            button.setDefault(False)
        super().showEvent(event)


def _centered(*widgets: QWidget) -> QWidget:
    """A page with the widgets stacked in its middle (each in a row of its own, so that a
    word-wrapped label gets its full width rather than its one-line hint)."""
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.addStretch(1)
    for widget in widgets:
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(widget)
        row.addStretch(1)
        layout.addLayout(row)
    layout.addStretch(1)
    layout.setSpacing(12)
    return page


def _stylesheet(palette: QPalette) -> str:
    t = tones(palette)
    return f"""
#dialogTitle {{ font-size: 18px; font-weight: 600; }}
#sectionTitle {{ font-size: 14px; font-weight: 600; }}
#detailTitle {{ font-size: 14px; font-weight: 600; }}
#mutedText {{ color: {t.muted}; }}
#catalogTable {{ border: 1px solid {t.border}; border-radius: 8px; }}
#catalogTable::item {{ padding: 0 6px; }}
#catalogTable QHeaderView::section {{ padding: 5px 10px 5px 8px; border: none;
    border-bottom: 1px solid {t.border}; background: {t.base}; color: {t.muted}; font-weight: 600; }}
#catalogDetails, #downloadJob {{ border: 1px solid {t.border}; border-radius: 8px;
    background: {t.surface}; }}
#catalogNotice {{ border: 1px solid {t.ok}; border-radius: 8px; }}
#jobTitle {{ font-weight: 600; }}
#jobState {{ border-radius: 9px; padding: 1px 8px; background: {t.border}; color: {t.muted}; }}
#jobState[tone="active"] {{ background: {t.accent_soft}; color: {t.accent}; }}
#jobState[tone="good"] {{ color: {t.good}; }}
#jobState[tone="error"] {{ color: {t.danger}; }}
#jobMessage[error="true"] {{ color: {t.danger}; }}
#jobHint {{ font-weight: 600; }}
#jobsBox, #jobsScroll {{ background: transparent; }}
#jobProgress, #fileProgress {{ border: none; border-radius: 3px; background: {t.border}; }}
#jobProgress::chunk, #fileProgress::chunk {{ border-radius: 3px; background: {t.accent}; }}
#jobProgress[tone="good"]::chunk {{ background: {t.good}; }}
#downloadDialog QLineEdit {{ border: 1px solid {t.border}; border-radius: 6px; padding: 4px 8px;
    background: {t.base}; }}
#downloadDialog QLineEdit:focus {{ border-color: {t.accent}; }}
"""
