"""Glue between the download service and its dialog: opens the dialog (one at a time, non-modal),
turns the manager's catalog options and job views into the rows the dialog shows, and the dialog's
intents into manager calls. Closing the dialog only drops this glue: the jobs keep running.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from app.gui.downloads.download_manager import CatalogStatus, DownloadManager
from backend.chat.family import ModelFamily, ThinkingMode
from backend.hub.catalog import CatalogOption
from backend.hub.download_queue import JobState, JobView
from backend.units import format_bytes
from ui.downloads.download_dialog import CatalogRow, DownloadDialog, JobRow

if TYPE_CHECKING:
    from app.gui.model_controller import ModelController

# `backend.hub.fit` ranks by speed tier, 100 apart: < 50 fluent, < 250 usable or slow, 300+ larger
# than RAM + VRAM (it would page from disk). Never recommend one of the last.
_FLUENT_RANK, _RUNS_RANK = 50.0, 300.0
_ACTIVE = (JobState.PREPARING, JobState.DOWNLOADING, JobState.VERIFYING, JobState.RETRYING)

_open: dict[int, DownloadDialog] = {}


def family_filters() -> list[tuple[str, str]]:
    """The family filter's choices: R1 includes its distills (they reason the same way, and fit
    smaller machines)."""
    return [
        (ModelFamily.R1.value,
         QCoreApplication.translate("DownloadController", "DeepSeek-R1 and distills")),
        (ModelFamily.R1_DISTILL.value,
         QCoreApplication.translate("DownloadController", "R1 distills (smaller)")),
        (ModelFamily.V3.value, "DeepSeek-V3"),
        (ModelFamily.V3_1.value,
         QCoreApplication.translate("DownloadController", "DeepSeek-V3.1 (hybrid)")),
        (ModelFamily.V3_2.value,
         QCoreApplication.translate("DownloadController", "DeepSeek-V3.2 (sparse attention)")),
        (ModelFamily.V4.value,
         QCoreApplication.translate("DownloadController", "DeepSeek-V4 (Flash, Pro)")),
    ]


def thinking_label(mode: ThinkingMode) -> str:
    return {
        ThinkingMode.ALWAYS: QCoreApplication.translate("DownloadController", "Reasons (R1)"),
        ThinkingMode.NEVER: QCoreApplication.translate("DownloadController", "Direct (V3)"),
        ThinkingMode.HYBRID: QCoreApplication.translate("DownloadController", "Hybrid"),
    }[mode]


def state_label(state: JobState) -> str:
    return {
        JobState.QUEUED: QCoreApplication.translate("DownloadController", "Queued"),
        JobState.PREPARING: QCoreApplication.translate("DownloadController", "Starting"),
        JobState.DOWNLOADING: QCoreApplication.translate("DownloadController", "Downloading"),
        JobState.VERIFYING: QCoreApplication.translate("DownloadController", "Checking"),
        JobState.RETRYING: QCoreApplication.translate("DownloadController", "Reconnecting"),
        JobState.PAUSED: QCoreApplication.translate("DownloadController", "Paused"),
        JobState.CANCELLING: QCoreApplication.translate("DownloadController", "Cancelling"),
        JobState.FAILED: QCoreApplication.translate("DownloadController", "Failed"),
        JobState.CANCELLED: QCoreApplication.translate("DownloadController", "Cancelled"),
        JobState.INSTALLED: QCoreApplication.translate("DownloadController", "Installed"),
    }[state]


def open_download_dialog(parent: QWidget, manager: DownloadManager,
                         family: str | None = None,
                         models: ModelController | None = None) -> DownloadDialog:
    """Show the download dialog (non-modal), reusing the open one; `family` sets its filter.
    With `models` (the app's model side), installed models offer Load instead of Download."""
    dialog = _open.get(id(manager))
    if dialog is None or not shiboken6.isValid(dialog) or not dialog.isVisible():
        dialog = DownloadDialog(parent)
        DownloadController(manager, dialog, models)
        _open[id(manager)] = dialog
    if family is not None:
        dialog.set_filter(family)
    dialog.show()
    if QGuiApplication.platformName() != "offscreen":  # it has no stacking order (and warns)
        dialog.raise_()
    dialog.activateWindow()
    return dialog


class DownloadController(QObject):
    """Lives as long as its dialog (it is the dialog's child)."""

    def __init__(self, manager: DownloadManager, dialog: DownloadDialog,
                 models: ModelController | None = None) -> None:
        super().__init__(dialog)
        self.manager = manager
        self.dialog = dialog
        self.models = models
        self._options: dict[str, CatalogOption] = {}
        dialog.set_filters(family_filters())
        dialog.download_requested.connect(self._on_dialog_download_requested)
        dialog.load_requested.connect(self._on_dialog_load_requested)
        dialog.catalog_retry_requested.connect(self._on_dialog_catalog_retry_requested)
        dialog.pause_requested.connect(self._on_dialog_pause_requested)
        dialog.resume_requested.connect(self._on_dialog_resume_requested)
        dialog.cancel_requested.connect(self._on_dialog_cancel_requested)
        dialog.retry_requested.connect(self._on_dialog_retry_requested)
        dialog.dismiss_requested.connect(self._on_dialog_dismiss_requested)
        dialog.token_submitted.connect(self._on_dialog_token_submitted)
        manager.catalog_loading.connect(self._on_manager_catalog_loading)
        manager.catalog_loaded.connect(self._on_manager_catalog_loaded)
        manager.catalog_failed.connect(self._on_manager_catalog_failed)
        manager.job_added.connect(self._on_manager_job_changed)
        manager.job_progress.connect(self._on_manager_job_changed)
        manager.job_state.connect(self._on_manager_job_state)
        manager.job_removed.connect(self._on_manager_job_removed)
        manager.model_installed.connect(self._on_manager_model_installed)
        if models is not None:
            models.loaded_changed.connect(self._on_models_loaded_changed)
        for view in manager.jobs():
            dialog.show_job(job_row(view))
        if manager.catalog_status is CatalogStatus.LOADED:
            self._on_manager_catalog_loaded(manager.catalog_options)
        elif manager.catalog_status is CatalogStatus.LOADING:
            dialog.show_catalog_loading()
        else:
            manager.catalog_refresh()

    # -- manager → dialog ------------------------------------------------------------------------

    @Slot()
    def _on_manager_catalog_loading(self) -> None:
        self.dialog.show_catalog_loading()

    @Slot(list)
    def _on_manager_catalog_loaded(self, options: list[CatalogOption]) -> None:
        self._options = {option_key(o): o for o in options}
        self._show_catalog()

    def _show_catalog(self) -> None:
        notice = ""
        if self.manager.catalog_needs_token:
            notice = self.tr("{problem} Enter a Hugging Face read token to see these models:"
                             ).format(problem=self.manager.catalog_message)
        elif self.manager.catalog_offline:
            notice = self.tr("{problem} Sizes and verdicts below are approximate; downloads can "
                             "start once the hub answers.").format(
                problem=self.manager.catalog_message)
        installed = self.models.installed_keys() if self.models is not None else {}
        loaded = self.models.loaded_key() if self.models is not None else None
        self.dialog.show_catalog(catalog_rows(list(self._options.values()), installed, loaded),
                                 notice, ask_token=not self.manager.catalog_offline)

    @Slot(str)
    def _on_manager_model_installed(self, _path: str) -> None:
        if self.dialog.catalog_state == "loaded":
            self._show_catalog()  # the row now offers Load (or says Loaded)

    @Slot(bool)
    def _on_models_loaded_changed(self, _ready: bool) -> None:
        if self.dialog.catalog_state == "loaded":
            self._show_catalog()

    @Slot(str)
    def _on_manager_catalog_failed(self, message: str) -> None:
        self.dialog.show_catalog_error(message)

    @Slot(str, object)
    def _on_manager_job_changed(self, job_id: str, view: JobView) -> None:
        self.dialog.show_job(job_row(view))

    @Slot(str, str, str)
    def _on_manager_job_state(self, job_id: str, _state: str, _message: str) -> None:
        view = self.manager.job(job_id)
        if view is not None:
            self.dialog.show_job(job_row(view))

    @Slot(str)
    def _on_manager_job_removed(self, job_id: str) -> None:
        self.dialog.remove_job(job_id)

    # -- dialog → manager ------------------------------------------------------------------------

    @Slot(str)
    def _on_dialog_download_requested(self, key: str) -> None:
        option = self._options.get(key)
        if option is not None and option.available:
            self.manager.start(option)

    @Slot(str)
    def _on_dialog_load_requested(self, key: str) -> None:
        option = self._options.get(key)
        if option is None or self.models is None:
            return
        path = self.models.installed_keys().get((option.repo, option.quant))
        if path is not None:
            self.models.choose(path)

    @Slot()
    def _on_dialog_catalog_retry_requested(self) -> None:
        self.manager.catalog_refresh()

    @Slot(str)
    def _on_dialog_pause_requested(self, job_id: str) -> None:
        self.manager.pause(job_id)

    @Slot(str)
    def _on_dialog_resume_requested(self, job_id: str) -> None:
        self.manager.resume(job_id)

    @Slot(str)
    def _on_dialog_cancel_requested(self, job_id: str) -> None:
        # Cancel means "I don't want it": free the disk. Pause is the way to keep the bytes.
        self.manager.cancel(job_id, discard=True)

    @Slot(str)
    def _on_dialog_retry_requested(self, job_id: str) -> None:
        self.manager.retry(job_id)

    @Slot(str)
    def _on_dialog_dismiss_requested(self, job_id: str) -> None:
        self.manager.dismiss(job_id)

    @Slot(str, str)
    def _on_dialog_token_submitted(self, job_id: str, token: str) -> None:
        self.manager.submit_token(token)
        if job_id:
            self.manager.retry(job_id)
        else:
            self.manager.catalog_refresh()


# -- values for the dialog -----------------------------------------------------------------------


def option_key(option: CatalogOption) -> str:
    return f"{option.repo}::{option.quant}"


def catalog_rows(options: Sequence[CatalogOption],
                 installed: Mapping[tuple[str, str], str] | None = None,
                 loaded: str | None = None) -> list[CatalogRow]:
    """Rows in the manager's order (best for this machine first); the best that runs is marked.
    `installed` maps (repo, quant) to the installed model's key, `loaded` is the loaded key."""
    installed = installed or {}
    recommended = next((o for o in options if (o.available or o.approximate)
                        and o.verdict is not None and o.verdict.rank < _RUNS_RANK), None)
    rows = []
    for option in options:
        model = option.model
        verdict = option.verdict
        filters: tuple[str, ...] = (model.family.value,)
        if model.family is ModelFamily.R1_DISTILL:
            filters += (ModelFamily.R1.value,)
        count = len(option.files)
        rows.append(CatalogRow(
            key=option_key(option),
            model=model.name,
            quant=option.quant,
            size=_size_text(option),
            thinking=thinking_label(model.thinking),
            verdict=verdict.text if verdict else (
                QCoreApplication.translate("DownloadController", "Fit unknown")
                if option.available else ""),
            tone=_tone(verdict.rank) if verdict else "",
            filters=filters,
            parameters=model.text("parameters"),
            files=_files_text(count),
            description=model.text("description"),
            license=model.text("license"),
            license_note=model.text("license_note"),
            problem=_problem(option),
            recommended=option is recommended,
            installed=(option.repo, option.quant) in installed,
            loaded=loaded is not None and installed.get((option.repo, option.quant)) == loaded,
        ))
    return rows


def _size_text(option: CatalogOption) -> str:
    if not option.total_bytes:
        return "—"
    if option.approximate:  # the catalog's estimate: the hub has not told the real size
        return QCoreApplication.translate("DownloadController", "~{size}").format(
            size=format_bytes(option.total_bytes))
    return format_bytes(option.total_bytes)


def _files_text(count: int) -> str:
    if count > 1:
        return QCoreApplication.translate("DownloadController", "{count} files").format(
            count=count)
    return QCoreApplication.translate("DownloadController", "1 file") if count else ""


def _problem(option: CatalogOption) -> str | None:
    if option.available:
        return None
    problem = option.problem or QCoreApplication.translate("DownloadController",
                                                           "no files on the hub")
    first = problem.split(" ", 1)[0]
    # "not on the hub at revision …" reads as a sentence; "unsloth/… is gated" keeps its name.
    return problem if "/" in first else problem[:1].upper() + problem[1:]


def _tone(rank: float) -> str:
    if rank < _FLUENT_RANK:
        return "good"
    return "ok" if rank < _RUNS_RANK else "bad"


def job_row(view: JobView) -> JobRow:
    state = view.state
    total = view.total
    progress: float | None = view.done / total if total else None
    if state is JobState.INSTALLED:
        progress = 1.0
    elif progress is None and state not in (JobState.PREPARING, JobState.RETRYING):
        progress = 0.0
    amounts = QCoreApplication.translate("DownloadController", "{done} of {total}").format(
        done=format_bytes(view.done), total=format_bytes(total)) if total else ""
    if state is JobState.INSTALLED:
        summary = QCoreApplication.translate(
            "DownloadController", "{size} verified · ready in the model picker").format(
            size=format_bytes(total))
    elif state is JobState.QUEUED:
        summary = " · ".join(filter(None, [amounts, QCoreApplication.translate(
            "DownloadController", "waits for the current download")]))
    elif state in _ACTIVE and total:
        speed = f"{format_bytes(view.speed_bps)}/s" if view.speed_bps > 0 else ""
        eta = format_eta(view.eta_s) if view.eta_s is not None and view.speed_bps > 0 else ""
        summary = " · ".join(filter(None, [amounts, speed, eta]))
    else:
        summary = amounts if state is not JobState.CANCELLED else ""
    file_line = ""
    file_progress = None
    if view.file_count > 1 and view.file_index and state not in (
        JobState.INSTALLED, JobState.CANCELLED
    ):
        file_line = QCoreApplication.translate(
            "DownloadController", "Part {index} of {count} · {done} of {total}").format(
            index=view.file_index, count=view.file_count, done=format_bytes(view.file_done),
            total=format_bytes(view.file_total))
        file_progress = view.file_done / view.file_total if view.file_total else 0.0
    failed = state is JobState.FAILED
    tone = ("error" if failed else "good" if state is JobState.INSTALLED
            else "active" if state in _ACTIVE else "")
    return JobRow(
        id=view.id,
        title=view.title,
        state=state_label(state),
        tone=tone,
        progress=progress,
        file_progress=file_progress,
        summary=summary,
        file_line=file_line,
        message=view.message,
        action=view.action.value if failed else "",
        hint=view.hint if failed else "",
        can_pause=state in (JobState.QUEUED, *_ACTIVE),
        can_resume=state is JobState.PAUSED,
        can_cancel=state not in (JobState.INSTALLED, JobState.CANCELLED, JobState.CANCELLING),
        can_retry=state in (JobState.FAILED, JobState.CANCELLED),
        can_dismiss=state in (JobState.INSTALLED, JobState.CANCELLED),
        retry_label=(QCoreApplication.translate("DownloadController", "Download again")
                     if state is JobState.CANCELLED
                     else QCoreApplication.translate("DownloadController", "Retry")),
    )


def format_eta(seconds: float) -> str:
    if seconds < 60:
        return QCoreApplication.translate("DownloadController", "less than a minute left")
    minutes = round(seconds / 60)
    if minutes < 60:
        return QCoreApplication.translate("DownloadController", "about {minutes} min left").format(
            minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if minutes:
        return QCoreApplication.translate(
            "DownloadController", "about {hours} h {minutes} min left").format(
            hours=hours, minutes=minutes)
    return QCoreApplication.translate("DownloadController", "about {hours} h left").format(
        hours=hours)

