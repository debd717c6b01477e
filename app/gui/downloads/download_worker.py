"""The download service's two workers: the catalog lookup and the downloader, each a QObject that
`DownloadManager` moves to its own QThread, plus the values they exchange with it.

Backend events arrive in `Downloader.run`'s callback on the download thread; the worker re-emits
them as its own signals, and the manager's slots receive them on the GUI thread. Progress goes out
at most every 0.1 s; a held-back one goes out before the next other event. The backend itself
reports progress at most every 0.2 s, so only back-to-back reports (a file's last bytes, a pause)
are held back, and each of those is followed by another event.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from app.gui.crash import bug_notice, reporting_bugs
from backend.engine.offload import Machine
from backend.errors import AppError
from backend.hub.catalog import Catalog, CatalogOption, VerdictFn, resolve_catalog
from backend.hub.client import Hub, HubConfig, RepoSnapshot
from backend.hub.download_errors import (
    DiskFullError,
    HubAccessError,
    HubOfflineError,
    HubResponseError,
    HubUnreachableError,
    InsufficientDiskSpaceError,
    RevisionNotFoundError,
)
from backend.hub.download_queue import JobAction, JobSpec
from backend.hub.downloader import (
    Downloader,
    DownloadPlan,
    FolderDestination,
    HFCacheDestination,
    plan_download,
)
from backend.hub.manifest import Manifest
from backend.hub.transfer import OpenPart, RetryPolicy, discard_partial
from backend.hub.transfer import open_part as default_open_part
from backend.hub.transfer_events import DownloadControl, DownloadEvent, DownloadProgress
from backend.units import format_bytes

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.1  # ~10 progress updates per second reach the GUI thread
_UNREACHABLE = (HubUnreachableError, HubOfflineError, HubResponseError)


@dataclass(frozen=True, slots=True)
class RunRequest:
    spec: JobSpec
    config: HubConfig
    control: DownloadControl
    catalog: Catalog


@dataclass(frozen=True, slots=True)
class Planned:
    commit: str
    paths: tuple[str, ...]  # the repo paths of the files, in download order
    parts: tuple[str, ...]  # their partial files
    total: int


@dataclass(frozen=True, slots=True)
class Failure:
    message: str  # the backend's `AppError` text, shown verbatim
    action: JobAction
    hint: str = ""


@dataclass(frozen=True, slots=True)
class CatalogRequest:
    config: HubConfig
    catalog: Catalog
    verdict: VerdictFn | None
    machine: Machine | None  # None (and no verdict): probe this machine


@dataclass(frozen=True, slots=True)
class CatalogLookup:
    options: tuple[CatalogOption, ...]
    failure: str | None = None  # the hub could not be reached at all
    access_problem: str | None = None  # some repos need a (better) token
    # The hub could not be reached, but the catalog's approximate sizes stand in: the options
    # are shown (with fit verdicts) and this says why nothing can be downloaded now.
    offline: str | None = None


class CatalogWorker(QObject):
    """Runs on the catalog thread.

    Signals:
        looked_up(object): a `CatalogLookup`.
    """

    looked_up = Signal(object)

    @Slot(object)
    def lookup(self, request: CatalogRequest) -> None:
        source = _RecordingHub(Hub(request.config))
        with reporting_bugs(lambda: self.looked_up.emit(CatalogLookup((), failure=bug_notice()))):
            try:
                verdict = request.verdict or _machine_verdict(request.machine)
                options = resolve_catalog(request.catalog, source, verdict=verdict)
            except AppError as err:
                self.looked_up.emit(CatalogLookup((), failure=str(err)))
                return
            self._report(request, source, options)

    def _report(self, request: CatalogRequest, source: _RecordingHub,
                options: list[CatalogOption]) -> None:
        # The first repo's error in catalog order: the threads finish in any order.
        errors = [source.errors[m.repo] for m in request.catalog.models if m.repo in source.errors]
        reached = any(o.commit is not None for o in options)
        unreachable = next((e for e in errors if isinstance(e, _UNREACHABLE)), None)
        if options and not reached and unreachable is not None:
            if any(o.approximate for o in options):
                self.looked_up.emit(CatalogLookup(tuple(options), offline=str(unreachable)))
            else:
                self.looked_up.emit(CatalogLookup((), failure=str(unreachable)))
            return
        access = next((e for e in errors if isinstance(e, HubAccessError)), None)
        self.looked_up.emit(CatalogLookup(tuple(options),
                                          access_problem=str(access) if access else None))


def _machine_verdict(machine: Machine | None) -> VerdictFn | None:
    from backend.hub.fit import verdict_function

    if machine is None:
        try:
            from backend.engine import devices

            machine = devices.probe().machine()
        except (OSError, AttributeError):  # llama.cpp's libraries missing or too old: sizes
            # without verdicts beat no catalog
            log.exception("could not probe this machine's devices")
            return None
    return verdict_function(machine)


class _RecordingHub:
    """A hub that remembers each repo's error, to tell "offline" from "this repo is gated"."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.errors: dict[str, AppError] = {}
        self._lock = threading.Lock()  # resolve_catalog asks from a thread pool

    def snapshot(self, repo: str, revision: str = "main") -> RepoSnapshot:
        try:
            return self.hub.snapshot(repo, revision)
        except AppError as err:
            with self._lock:
                self.errors[repo] = err
            raise


class DownloadWorker(QObject):
    """Runs on the download thread, one job at a time.

    Signals:
        planned(str, object): job id, `Planned` (the pinned commit and the partial files).
        progressed(str, object): job id, a backend `DownloadEvent` (progress ~10 per second).
        finished(str, object): job id, its `DownloadResult`, or None if cancelled before starting.
        failed(str, object): job id, a `Failure`.
    """

    planned = Signal(str, object)
    progressed = Signal(str, object)
    finished = Signal(str, object)
    failed = Signal(str, object)

    def __init__(self, *, policy: RetryPolicy | None, open_part: OpenPart | None,
                 manifest: Callable[[], Manifest]) -> None:
        super().__init__()
        self._policy = policy or RetryPolicy()
        self._open_part = open_part or default_open_part
        self._manifest = manifest
        self._job_id = ""
        self._pending: DownloadProgress | None = None
        self._last_progress = 0.0

    @Slot(object)
    def run(self, request: RunRequest) -> None:
        spec = request.spec
        self._job_id, self._pending, self._last_progress = spec.id, None, 0.0
        hub = Hub(request.config)

        def settle() -> None:  # after a bug: the job fails, and can be retried
            self._flush()
            self.failed.emit(spec.id, Failure(bug_notice(), JobAction.RETRY))

        with reporting_bugs(settle):
            self._run(request, hub)

    def _run(self, request: RunRequest, hub: Hub) -> None:
        spec = request.spec
        plan: DownloadPlan | None = None
        try:
            plan = _plan(hub, request)
            parts = tuple(str(plan.part_path(f)) for f in plan.files)
            paths = tuple(f.path for f in plan.files)
            self.planned.emit(spec.id, Planned(plan.commit, paths, parts, plan.total_bytes))
            if request.control.cancelled:  # while the file list was read
                if request.control.discard_partial:
                    discard(parts)
                result = None
            else:
                downloader = Downloader(hub, self._manifest(), policy=self._policy,
                                        open_part=self._open_part)
                result = downloader.run(plan, request.control, self._on_event)
        except AppError as err:
            self._flush()
            self.failed.emit(spec.id, _failure(err, plan))
        else:
            self._flush()
            self.finished.emit(spec.id, result)

    def _on_event(self, event: DownloadEvent) -> None:
        """Backend callback, on this thread: coalesce progress, keep every other event."""
        if isinstance(event, DownloadProgress):
            now = time.monotonic()
            if now - self._last_progress < PROGRESS_INTERVAL_S and event.done < event.total:
                self._pending = event
                return
            self._pending, self._last_progress = None, now
            self.progressed.emit(self._job_id, event)
            return
        self._flush()
        self.progressed.emit(self._job_id, event)

    def _flush(self) -> None:
        if self._pending is not None:
            self.progressed.emit(self._job_id, self._pending)
            self._pending = None


def _plan(hub: Hub, request: RunRequest) -> DownloadPlan:
    spec = request.spec
    destination = (FolderDestination(Path(spec.destination)) if spec.destination
                   else HFCacheDestination(request.config.cache_dir))

    def plan_at(revision: str) -> DownloadPlan:
        return plan_download(hub, spec.repo, quant=spec.quant, paths=spec.paths,
                             revision=revision, destination=destination, catalog=request.catalog)

    if not spec.commit:
        return plan_at(spec.revision)
    try:
        # The commit the user saw (or a previous run pinned): no part can come from another.
        return replace(plan_at(spec.commit), revision=spec.revision)
    except RevisionNotFoundError:
        return plan_at(spec.revision)  # history was rewritten upstream: start from the branch


def _failure(err: AppError, plan: DownloadPlan | None) -> Failure:
    if isinstance(err, HubAccessError):
        return Failure(str(err), JobAction.TOKEN, QCoreApplication.translate(
            "DownloadWorker", "Enter a Hugging Face read token:"))
    if isinstance(err, InsufficientDiskSpaceError | DiskFullError) and plan is not None:
        return Failure(str(err), JobAction.DISK, disk_hint(plan))
    return Failure(str(err), JobAction.RETRY)


def disk_hint(plan: DownloadPlan) -> str:
    """"Free 3.2 GB on /home and retry.": what the rest of the job needs beyond the free space
    (or all it still needs, when the volume reports enough, e.g. a quota)."""
    remaining = 0
    for file in plan.files:
        if _size(plan.final_path(file)) == file.size:
            continue
        remaining += file.size - max(_size(plan.part_path(file)), 0)
    where = plan.part_path(plan.files[0]).parent
    probe = next((p for p in (where, *where.parents) if p.exists()), Path(where.anchor or "/"))
    short = remaining - shutil.disk_usage(probe).free
    amount = format_bytes(short if short > 0 else remaining)
    return QCoreApplication.translate("DownloadWorker", "Free {amount} on {volume} and retry."
                                      ).format(amount=amount, volume=volume_of(probe))


def discard(parts: tuple[str, ...]) -> None:
    """Delete partial files (and their lock files)."""
    for part in parts:
        discard_partial(Path(part))


def volume_of(path: Path) -> Path:
    """The mount point holding `path`."""
    path = path.resolve()
    while not os.path.ismount(path) and path.parent != path:
        path = path.parent
    return path


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1
