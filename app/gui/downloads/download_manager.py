"""The download service: the catalog looked up off the GUI thread, and a queue of download jobs
run one at a time on a download thread, persisted so that the next launch resumes them.

Lifecycle: the app creates one `DownloadManager` on the GUI thread for its whole session and calls
`resume_pending()` once; dialogs come and go without touching the jobs. `shutdown()` cancels the
running job keeping its partial files (the next launch resumes them with Range requests), saves
the queue and joins the threads.

Threads: a `CatalogWorker` and a `DownloadWorker`, each a QObject moved to its own QThread, take
requests through queued signals and answer through their own signals, which are connected only to
this manager's slots. Pause, resume and cancel go straight to the job's `DownloadControl`, which
is thread-safe: a queued "cancel" slot would run only after the job it should stop.
"""

from __future__ import annotations

import atexit
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from enum import Enum, auto
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.gui.downloads.download_worker import (
    CatalogLookup,
    CatalogRequest,
    CatalogWorker,
    DownloadWorker,
    Failure,
    Planned,
    RunRequest,
)
from app.gui.downloads.download_worker import discard as discard_parts
from backend.engine.offload import Machine
from backend.errors import AppError
from backend.hub.catalog import Catalog, CatalogOption, VerdictFn, load_catalog
from backend.hub.client import HubConfig
from backend.hub.download_queue import (
    ENDED,
    DownloadRequest,
    JobAction,
    JobSpec,
    JobState,
    JobView,
    load_queue,
    save_queue,
)
from backend.hub.manifest import Manifest
from backend.hub.transfer import OpenPart, RetryPolicy
from backend.hub.transfer_events import (
    DownloadControl,
    DownloadEvent,
    DownloadProgress,
    DownloadResult,
    FileStarted,
    JobStarted,
    Paused,
    Resumed,
    Retrying,
    Verifying,
)
from backend.paths import AppPaths
from backend.settings import Settings
from backend.units import format_bytes

__all__ = ["DownloadManager", "DownloadRequest", "JobAction", "JobState", "JobView"]

log = logging.getLogger(__name__)


class _Job:
    """The manager's book-keeping for one job (GUI thread only)."""

    def __init__(self, spec: JobSpec, state: JobState) -> None:
        self.spec = spec
        self.view = JobView(spec.id, spec.title, spec.repo, spec.quant, state)
        self.live = JobState.PREPARING  # what the worker last said, shown again after a pause
        self.control: DownloadControl | None = None  # only while on the download thread
        self.cancelling = False
        self.paths: tuple[str, ...] = ()  # the files, in order (from the plan)
        self.verify_until = 0  # a re-hash of bytes on disk ends at this many bytes of the file
        self.retry_from = 0  # a retry resumes the file at this byte


class CatalogStatus(Enum):
    """Where the catalog lookup (live sizes and file lists from the hub) stands."""

    IDLE = auto()  # not looked up yet, or to be looked up again
    LOADING = auto()
    LOADED = auto()
    FAILED = auto()


class DownloadManager(QObject):
    """Signals:
        catalog_loading(): a catalog lookup started.
        catalog_loaded(list): `CatalogOption`s, the best for this machine first.
        catalog_failed(str): the hub could not be reached (the user-facing reason).
        job_added(str, object): job id, its `JobView`.
        job_progress(str, object): job id, its `JobView` with new byte counts (~10 per second).
        job_state(str, str, str): job id, its new `JobState` value, its message.
        job_removed(str): a finished job was cleared from the list.
        model_installed(str): a job finished verified; the path of its first file.
        token_entered(str): the user entered a Hugging Face token: save it in the settings.
    """

    catalog_loading = Signal()
    catalog_loaded = Signal(list)
    catalog_failed = Signal(str)
    job_added = Signal(str, object)
    job_progress = Signal(str, object)
    job_state = Signal(str, str, str)
    job_removed = Signal(str)
    model_installed = Signal(str)
    token_entered = Signal(str)
    _lookup = Signal(object)  # → CatalogWorker.lookup
    _run = Signal(object)  # → DownloadWorker.run

    def __init__(
        self,
        settings: Callable[[], Settings],
        paths: AppPaths,
        *,
        catalog: Catalog | None = None,
        machine: Machine | None = None,
        verdict: VerdictFn | None = None,
        state_file: Path | None = None,
        policy: RetryPolicy | None = None,
        open_part: OpenPart | None = None,
        manifest: Callable[[], Manifest] | None = None,
        parent: QObject | None = None,
    ) -> None:
        """`settings()` gives the current settings; `paths` the profile's files (the saved queue,
        the manifest). `machine` or `verdict` fix the fit verdicts (tests); by default this
        machine is probed."""
        super().__init__(parent)
        self._settings = settings
        self._catalog_error: str | None = None
        try:
            self._catalog = catalog or load_catalog()
        except AppError as err:
            self._catalog, self._catalog_error = Catalog(()), str(err)
        self._machine = machine
        self._verdict = verdict
        self._state_file = state_file or paths.downloads_file
        self._entered_token: str | None = None
        self._jobs: dict[str, _Job] = {}
        self._active: str | None = None
        self._closed = False
        self.catalog_status = CatalogStatus.IDLE
        self._lookup_again = False
        self.catalog_options: list[CatalogOption] = []
        self.catalog_message = ""  # the failure, or why some repos need a token
        self.catalog_needs_token = False
        self.catalog_offline = False  # shown with approximate sizes: the hub was out of reach

        self._catalog_thread, self._catalog_worker = QThread(), CatalogWorker()
        self._catalog_thread.setObjectName("catalog")
        self._catalog_worker.moveToThread(self._catalog_thread)
        self._lookup.connect(self._catalog_worker.lookup)
        self._catalog_worker.looked_up.connect(self._on_catalog_worker_looked_up)
        self._download_thread = QThread()
        self._download_thread.setObjectName("downloads")
        self._download_worker = DownloadWorker(policy=policy, open_part=open_part,
                                               manifest=manifest or _manifest_of(paths))
        self._download_worker.moveToThread(self._download_thread)
        self._run.connect(self._download_worker.run)
        self._download_worker.planned.connect(self._on_download_worker_planned)
        self._download_worker.progressed.connect(self._on_download_worker_event)
        self._download_worker.finished.connect(self._on_download_worker_finished)
        self._download_worker.failed.connect(self._on_download_worker_failed)
        self._catalog_thread.start()
        self._download_thread.start()

    # -- catalog ---------------------------------------------------------------------------------

    def catalog_refresh(self) -> None:
        """Look the catalog up on the hub (sizes, file lists) off the GUI thread."""
        if self._closed:
            return
        if self.catalog_status is CatalogStatus.LOADING:
            self._lookup_again = True  # e.g. a token arrived: the running lookup did without it
            return
        if self._catalog_error:
            self._catalog_done(CatalogStatus.FAILED, self._catalog_error)
            self.catalog_failed.emit(self._catalog_error)
            return
        self.catalog_status = CatalogStatus.LOADING
        self.catalog_loading.emit()
        self._lookup.emit(CatalogRequest(self._hub_config(), self._catalog, self._verdict,
                                         self._machine))

    @Slot(object)
    def _on_catalog_worker_looked_up(self, lookup: CatalogLookup) -> None:
        if self._closed:
            return
        if self._lookup_again:
            self._lookup_again = False
            self.catalog_status = CatalogStatus.IDLE
            self.catalog_refresh()
            return
        if lookup.failure is not None:
            self._catalog_done(CatalogStatus.FAILED, lookup.failure)
            self.catalog_failed.emit(lookup.failure)
            return
        self.catalog_options = list(lookup.options)
        self._catalog_done(CatalogStatus.LOADED, lookup.access_problem or lookup.offline or "")
        self.catalog_needs_token = lookup.access_problem is not None
        self.catalog_offline = lookup.offline is not None
        self.catalog_loaded.emit(list(lookup.options))

    def _catalog_done(self, status: CatalogStatus, message: str) -> None:
        self.catalog_status, self.catalog_message, self.catalog_needs_token = status, message, False
        self.catalog_offline = False

    # -- jobs ------------------------------------------------------------------------------------

    def jobs(self) -> list[JobView]:
        return [job.view for job in self._jobs.values()]

    def job(self, job_id: str) -> JobView | None:
        job = self._jobs.get(job_id)
        return job.view if job else None

    def start(self, target: CatalogOption | DownloadRequest | tuple[str, str]) -> str:
        """Queue a download (a catalog option, a request, or `(repo, quant)`); its job id.

        The same download asked again while unfinished is the same job (retried if it failed).
        """
        if isinstance(target, CatalogOption):
            request = DownloadRequest(target.repo, target.quant,
                                      title=f"{target.model.name} · {target.quant}")
            commit = target.commit  # download exactly the files whose sizes the user saw
        else:
            request = target if isinstance(target, DownloadRequest) else DownloadRequest(*target)
            commit = None
        for job in self._jobs.values():
            spec = job.spec
            same = (spec.repo.lower(), (spec.quant or "").lower(), spec.paths) == (
                request.repo.lower(), (request.quant or "").lower(), tuple(request.paths))
            if same and job.view.state not in ENDED:
                self.retry(job.spec.id)  # if it failed
                self.resume(job.spec.id)  # if it was paused
                return job.spec.id
        title = request.title or " · ".join(
            filter(None, [request.repo.split("/")[-1], request.quant or ", ".join(request.paths)]))
        folder = self._settings().download_dir
        spec = JobSpec(
            id=uuid.uuid4().hex[:12],
            repo=request.repo,
            title=title,
            quant=request.quant,
            paths=tuple(request.paths),
            revision=request.revision,
            commit=commit,
            destination=str(Path(folder).expanduser()) if folder else None,
        )
        self._add(spec, JobState.QUEUED)
        self._save()
        self._dispatch()
        return spec.id

    def pause(self, job_id: str) -> None:
        job = self._jobs.get(job_id)
        if job is None or job.cancelling or job.view.state in (
            *ENDED, JobState.FAILED, JobState.PAUSED
        ):
            return
        job.spec = replace(job.spec, paused=True)
        if job.control is not None:
            job.control.pause()  # the transfer stops at its next chunk, then says `Paused`
        self._update(job, state=JobState.PAUSED,
                     message=self.tr("Pausing…") if job.control is not None else "")
        self._save()

    def resume(self, job_id: str) -> None:
        job = self._jobs.get(job_id)
        if job is None or job.view.state is not JobState.PAUSED:
            return
        job.spec = replace(job.spec, paused=False)
        if job.control is not None:
            job.control.resume()
            self._update(job, state=job.live)
        else:
            self._update(job, state=JobState.QUEUED)
        self._save()
        self._dispatch()

    def cancel(self, job_id: str, discard: bool = False) -> None:
        """Stop a job; `discard` deletes its partial files, else a later download resumes them."""
        job = self._jobs.get(job_id)
        if job is None or job.cancelling or job.view.state in ENDED:
            return
        if job.control is not None:
            job.cancelling = True
            job.control.cancel(discard_partial=discard)
            self._update(job, state=JobState.CANCELLING, message="")
            return
        if discard:
            discard_parts(job.spec.parts)
        self._update(job, state=JobState.CANCELLED, message="", action=JobAction.NONE, hint="")
        self._save()

    def retry(self, job_id: str) -> None:
        """Queue a failed or cancelled job again; it resumes from its partial files."""
        job = self._jobs.get(job_id)
        if job is None or job.view.state not in (JobState.FAILED, JobState.CANCELLED):
            return
        job.spec = replace(job.spec, paused=False)
        self._update(job, state=JobState.QUEUED, message="", action=JobAction.NONE, hint="")
        self._save()
        self._dispatch()

    def dismiss(self, job_id: str) -> None:
        """Clear an installed or cancelled job from the list."""
        job = self._jobs.get(job_id)
        if job is not None and job.view.state in ENDED:
            del self._jobs[job_id]
            self.job_removed.emit(job_id)

    def submit_token(self, token: str) -> None:
        """The user typed a Hugging Face token: the app saves it (`token_entered`), and it is used
        from now on (the settings' token first, should both exist)."""
        token = token.strip()
        if token:
            self._entered_token = token
            self.token_entered.emit(token)

    def resume_pending(self) -> list[str]:
        """Restart the jobs a previous session left unfinished (paused ones stay paused)."""
        if self._closed:
            return []
        ids = []
        for spec in load_queue(self._state_file):
            if spec.id in self._jobs:
                continue
            self._add(spec, JobState.PAUSED if spec.paused else JobState.QUEUED)
            ids.append(spec.id)
        self._dispatch()
        return ids

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Stop within `timeout_ms`: the running job is cancelled keeping its partial files (the
        queue stays saved, so the next launch resumes it); True if the threads ended in time."""
        if self._closed:
            return True
        self._closed = True
        self._save()
        for job in self._jobs.values():
            if job.control is not None and not job.cancelling:
                job.control.cancel(discard_partial=False)
        deadline = time.monotonic() + timeout_ms / 1000
        ok = True
        for thread in (self._download_thread, self._catalog_thread):
            thread.quit()
            if not thread.wait(max(0, int((deadline - time.monotonic()) * 1000))):
                ok = False
                log.warning("the %s thread is still busy (a network call); the process will wait "
                            "for it at exit", thread.objectName())
                # Qt aborts the process when a running QThread is destroyed: keep it until the
                # interpreter exits, and let the exit wait for the call to give up.
                atexit.register(thread.wait)
        return ok

    # -- the queue -------------------------------------------------------------------------------

    def _add(self, spec: JobSpec, state: JobState) -> None:
        job = _Job(spec, state)
        self._jobs[spec.id] = job
        self.job_added.emit(spec.id, job.view)

    def _dispatch(self) -> None:
        """Start the next queued job when none is running: one at a time is kinder to the disk
        and finishes the first model sooner."""
        if self._closed or self._active is not None:
            return
        job = next((j for j in self._jobs.values() if j.view.state is JobState.QUEUED), None)
        if job is None:
            return
        self._active = job.spec.id
        job.control, job.cancelling, job.live = DownloadControl(), False, JobState.PREPARING
        self._update(job, state=JobState.PREPARING, message=self.tr("Reading the file list…"))
        self._run.emit(RunRequest(job.spec, self._hub_config(), job.control, self._catalog))

    def _hub_config(self) -> HubConfig:
        config = HubConfig.from_env()
        token = self._settings().hf_token or self._entered_token or config.token
        return replace(config, token=token)

    def _running(self, job_id: str) -> _Job | None:
        """The job a worker signal is about, unless the manager stopped listening."""
        return None if self._closed or job_id != self._active else self._jobs.get(job_id)

    def _update(self, job: _Job, **changes: Any) -> None:
        before = job.view
        job.view = replace(before, **changes)
        if (job.view.state, job.view.message, job.view.action) != (
            before.state, before.message, before.action
        ):
            self.job_state.emit(job.spec.id, job.view.state.value, job.view.message)
        else:
            self.job_progress.emit(job.spec.id, job.view)

    def _shown(self, job: _Job, live: JobState) -> JobState:
        job.live = live
        if job.cancelling:
            return JobState.CANCELLING
        return JobState.PAUSED if job.spec.paused else live

    @Slot(str, object)
    def _on_download_worker_planned(self, job_id: str, planned: Planned) -> None:
        if (job := self._running(job_id)) is None:
            return
        job.spec = replace(job.spec, commit=planned.commit, parts=planned.parts)
        job.paths = planned.paths
        self._update(job, total=planned.total, file_count=len(planned.paths))
        self._save()

    @Slot(str, object)
    def _on_download_worker_event(self, job_id: str, event: DownloadEvent) -> None:
        if (job := self._running(job_id)) is None:
            return
        if isinstance(event, DownloadProgress):
            live = job.live
            if (live is JobState.VERIFYING and event.file_done > job.verify_until) or (
                live is JobState.RETRYING and event.file_done > job.retry_from
            ):
                live = JobState.DOWNLOADING  # new bytes arrive (after a re-hash, or a retry)
            message = "" if live is JobState.DOWNLOADING else job.view.message
            self._update(job, state=self._shown(job, live), message=message, done=event.done,
                         total=event.total, file_path=event.path, file_index=event.file_index,
                         file_count=event.file_count, file_done=event.file_done,
                         file_total=event.file_total, speed_bps=event.speed_bps,
                         eta_s=event.eta_s)
        elif isinstance(event, JobStarted):
            self._update(job, state=self._shown(job, JobState.DOWNLOADING), message="",
                         done=event.present, total=event.total, file_count=event.file_count)
        elif isinstance(event, FileStarted):
            self._update(job, state=self._shown(job, JobState.DOWNLOADING), message="",
                         **self._file(job, event.path, event.size))
        elif isinstance(event, Verifying):
            job.verify_until = event.size
            file = self._file(job, event.path) if event.path != job.view.file_path else {}
            self._update(job, state=self._shown(job, JobState.VERIFYING), **file,
                         message=self.tr("Checking the {size} already on disk").format(
                             size=format_bytes(event.size)))
        elif isinstance(event, Paused):
            self._update(job, message="")  # the connection is closed: nothing moves until resumed
        elif isinstance(event, Retrying) and job.spec.paused:
            job.retry_from, job.live = event.resume_from, JobState.RETRYING
        elif isinstance(event, Retrying):
            job.retry_from = event.resume_from
            reason = f"{event.reason[:1].upper()}{event.reason[1:]}"
            if event.delay_s >= 1.5:
                message = self.tr(
                    "{reason}; retrying in {delay:.0f} s (attempt {attempt} of {attempts})"
                ).format(reason=reason, delay=event.delay_s, attempt=event.attempt,
                         attempts=event.max_attempts)
            else:
                message = self.tr("{reason}; retrying (attempt {attempt} of {attempts})").format(
                    reason=reason, attempt=event.attempt, attempts=event.max_attempts)
            self._update(job, state=self._shown(job, JobState.RETRYING), message=message)
        elif isinstance(event, Resumed):
            self._update(job, state=self._shown(job, JobState.DOWNLOADING), message="")

    @staticmethod
    def _file(job: _Job, path: str, size: int | None = None) -> dict[str, Any]:
        """The view's fields for a file the job turns to (its bytes come with progress)."""
        index = job.paths.index(path) + 1 if path in job.paths else job.view.file_index
        return {"file_path": path, "file_index": index, "file_done": 0,
                "file_total": job.view.file_total if size is None else size}

    @Slot(str, object)
    def _on_download_worker_finished(self, job_id: str, result: DownloadResult | None) -> None:
        if (job := self._running(job_id)) is None:
            return
        self._active, job.control = None, None
        if result is not None and result.completed:
            job.spec = replace(job.spec, paused=False)
            path = result.model_path or (result.files[0].local_path if result.files else None)
            self._update(job, state=JobState.INSTALLED, message="", done=job.view.total,
                         file_done=job.view.file_total, speed_bps=0.0, eta_s=None,
                         model_path=path)
            if path:
                self.model_installed.emit(path)
        else:
            job.cancelling = False
            self._update(job, state=JobState.CANCELLED, message="", speed_bps=0.0, eta_s=None)
        self._save()
        self._dispatch()

    @Slot(str, object)
    def _on_download_worker_failed(self, job_id: str, failure: Failure) -> None:
        if (job := self._running(job_id)) is None:
            return
        self._active, job.control = None, None
        if job.cancelling:  # the user gave up on it anyway
            job.cancelling = False
            self._update(job, state=JobState.CANCELLED, message="")
        else:
            job.spec = replace(job.spec, paused=False)
            self._update(job, state=JobState.FAILED, message=failure.message,
                         action=failure.action, hint=failure.hint, speed_bps=0.0, eta_s=None)
        self._save()
        self._dispatch()

    def _save(self) -> None:
        save_queue(self._state_file,
                   [j.spec for j in self._jobs.values() if j.view.state not in ENDED])


def _manifest_of(paths: AppPaths) -> Callable[[], Manifest]:
    """A fresh `Manifest` of the profile for each job (it is read from disk as the job ends)."""
    return lambda: Manifest(paths.manifest_file)
