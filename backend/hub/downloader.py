"""Download a model from the Hugging Face Hub, verified, resumable, into the HF cache or a folder.

A job has two steps. `plan_download` reads the repo's files at one commit (so every split part
comes from the same revision) and picks the files of a quant. `Downloader.run` checks free space
for the whole job, reuses files already verified, fetches the rest (`download_job.FileTransfer`:
Range resume, retries, hashing as bytes arrive), places each verified file atomically and records
the model in the manifest. Nothing unverified is ever put where the library would load it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from backend.errors import InvalidOptionError
from backend.gguf.file_sets import UnitKind, group_units
from backend.gguf.split_names import parse_split_name
from backend.hub import hf_cache
from backend.hub.catalog import Catalog, check_complete, quant_files
from backend.hub.client import Hub, RemoteFile
from backend.hub.download_errors import (
    FileTooLargeError,
    InsufficientDiskSpaceError,
    RemoteFileNotFoundError,
)
from backend.hub.manifest import Manifest, ManifestEntry, ManifestFile
from backend.hub.transfer import (
    FileTransfer,
    JobProgress,
    OpenPart,
    RetryPolicy,
    discard_partial,
    lock_of,
    open_part,
    part_name,
)
from backend.hub.transfer_events import (
    DownloadControl,
    DownloadEvent,
    DownloadOutcome,
    DownloadResult,
    FileStarted,
    FileVerified,
    InstalledFile,
    JobFinished,
    JobStarted,
    Verifying,
)
from backend.hub.verify import expected_hash, hash_file
from backend.i18n import translate
from backend.units import format_bytes

# The hub serves files over 50 GB (decimal) only through xet, not plain HTTP.
MAX_HTTP_FILE_SIZE = 50 * 1000**3

__all__ = [
    "DownloadControl",
    "DownloadPlan",
    "Downloader",
    "FolderDestination",
    "HFCacheDestination",
    "RetryPolicy",
    "plan_download",
]


@dataclass(frozen=True, slots=True)
class HFCacheDestination:
    """The standard HF cache (blobs + snapshot links), shared with other tools."""

    cache_dir: Path

    @property
    def label(self) -> str:
        return "hf-cache"


@dataclass(frozen=True, slots=True)
class FolderDestination:
    """A folder the user chose: files land at their repo-relative paths."""

    folder: Path

    @property
    def label(self) -> str:
        return "folder"


Destination = HFCacheDestination | FolderDestination


@dataclass(frozen=True, slots=True)
class DownloadPlan:
    repo: str
    revision: str  # as asked (branch, tag, commit)
    commit: str  # pinned: every file comes from this commit
    files: tuple[RemoteFile, ...]
    destination: Destination
    quant: str | None = None

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def final_path(self, file: RemoteFile) -> Path:
        """Where the verified file ends up (a snapshot entry in the HF cache)."""
        dest = self.destination
        if isinstance(dest, HFCacheDestination):
            return hf_cache.snapshot_path(dest.cache_dir, self.repo, self.commit, file.path)
        return dest.folder / Path(*file.path.split("/"))

    def part_path(self, file: RemoteFile) -> Path:
        """The partial file, named by content: a changed upstream file never resumes old bytes."""
        dest = self.destination
        if isinstance(dest, HFCacheDestination):
            return hf_cache.blob_path(dest.cache_dir, self.repo, part_name(file.etag))
        return dest.folder / ".cache" / "deepseek-local" / part_name(file.etag)


def plan_download(
    hub: Hub,
    repo: str,
    *,
    quant: str | None = None,
    paths: tuple[str, ...] | list[str] = (),
    revision: str = "main",
    destination: Destination | None = None,
    catalog: Catalog | None = None,
) -> DownloadPlan:
    """The files to fetch at a pinned commit: a quant's files, or the paths asked for.

    A split part brings every part of its set: one set is one job.
    """
    if repo.count("/") != 1 or not all(repo.split("/")):
        raise InvalidOptionError(
            translate(
                "Downloads",
                "{repo!r} is not a Hugging Face repo id. Use owner/name, e.g. "
                "unsloth/DeepSeek-R1-GGUF.",
            ).format(repo=repo)
        )
    if quant and paths:
        raise InvalidOptionError(
            translate("Downloads", "Choose either a quant or file paths to download, not both.")
        )
    snapshot = hub.snapshot(repo, revision)
    if quant:
        files = quant_files(snapshot, quant, catalog)
    elif paths:
        wanted: list[RemoteFile] = []
        for path in paths:
            file = snapshot.file(path.strip("/"))
            if file is None:
                raise RemoteFileNotFoundError(
                    translate(
                        "Downloads",
                        "{path} is not a file of {repo} at revision {commit}. Check "
                        "the path (folders included) on {page}.",
                    ).format(
                        path=path, repo=repo, commit=snapshot.commit[:12], page=hub.repo_page(repo)
                    )
                )
            for member in _split_set(snapshot.files, file):
                if member not in wanted:
                    wanted.append(member)
        files = tuple(wanted)
        check_complete(snapshot, files)
    else:
        units = [
            u for u in group_units([f.path for f in snapshot.files]) if u.kind is not UnitKind.OTHER
        ]
        if len(units) != 1:
            names = ", ".join(u.name for u in units[:8]) or translate("Downloads", "none")
            raise InvalidOptionError(
                translate(
                    "Downloads",
                    "{repo} holds {count} models ({names}): choose a quant or the files to "
                    "download.",
                ).format(repo=repo, count=len(units), names=names)
            )
        files = tuple(f for p in units[0].paths if (f := snapshot.file(p)) is not None)
        check_complete(snapshot, files)
    for file in files:
        if file.size > MAX_HTTP_FILE_SIZE:
            raise FileTooLargeError(
                translate(
                    "Downloads",
                    "{name} is {gb:.1f} GB: the hub serves files over 50 GB only "
                    "through its xet protocol, which this app does not use. Choose a quant split "
                    "into smaller parts.",
                ).format(name=file.name, gb=file.size / 1e9)
            )
    return DownloadPlan(
        repo=repo,
        revision=revision,
        commit=snapshot.commit,
        files=files,
        destination=destination or HFCacheDestination(hub.config.cache_dir),
        quant=quant,
    )


def _split_set(files: tuple[RemoteFile, ...], file: RemoteFile) -> list[RemoteFile]:
    name = parse_split_name(file.name)
    if name is None:
        return [file]
    folder = file.path[: -len(file.name)]
    parts = [
        next((f for f in files if f.path == folder + name.part_name(i)), None)
        for i in range(1, name.count + 1)
    ]
    return [f for f in parts if f is not None]


@dataclass(frozen=True, slots=True)
class _FileState:
    file: RemoteFile
    final: Path
    part: Path
    known_good: bool  # the manifest has this exact file verified: no need to hash it again
    existing: Path | None  # bytes already in place whose hash is not known yet
    partial: int  # bytes of a partial file


class Downloader:
    """Runs download plans on the calling thread; pause/resume/cancel through `DownloadControl`."""

    def __init__(
        self,
        hub: Hub,
        manifest: Manifest,
        *,
        policy: RetryPolicy | None = None,
        open_part: OpenPart = open_part,
    ) -> None:
        self.hub = hub
        self.manifest = manifest
        self.policy = policy or RetryPolicy()
        self._open_part = open_part

    def run(
        self,
        plan: DownloadPlan,
        control: DownloadControl | None = None,
        on_event: Callable[[DownloadEvent], None] | None = None,
    ) -> DownloadResult:
        """Fetch, verify and place every file of `plan`; events go to `on_event` on this thread.

        Returns a COMPLETED or CANCELLED result (cancelling is not an error). Failures raise an
        `AppError` whose message is for the user; partial files stay for the next run to resume.
        """
        control = control or DownloadControl()
        emit = on_event or (lambda _event: None)
        states = [self._inspect(plan, f) for f in plan.files]
        self._check_disk_space(plan, states)
        known = sum(s.file.size for s in states if s.known_good)
        present = known + sum(
            s.file.size if s.existing else s.partial for s in states if not s.known_good
        )
        emit(
            JobStarted(
                plan.repo,
                plan.commit,
                len(states),
                plan.total_bytes,
                present,
                str(_destination_root(plan)),
            )
        )
        progress = JobProgress(emit, len(states), plan.total_bytes)
        progress.done = known
        installed: list[InstalledFile] = []
        for index, state in enumerate(states, 1):
            file = state.file
            progress.start_file(file.path, index, file.size, file.size if state.known_good else 0)
            digest = self._reuse(plan, state, control, progress, emit)
            reused = digest is not None
            if digest is None and not control.cancelled:
                emit(FileStarted(file.path, file.size, state.partial))
                digest = FileTransfer(
                    self.hub,
                    plan.repo,
                    plan.commit,
                    file,
                    state.part,
                    control=control,
                    policy=self.policy,
                    emit=emit,
                    progress=progress,
                    open_part=self._open_part,
                ).run()
                if digest is not None:
                    self._place(plan, file, state.part)
            if digest is None:
                return self._cancelled(plan, states, control, emit)
            installed.append(InstalledFile(file.path, str(state.final), file.size, digest))
            progress.emit()
            emit(FileVerified(file.path, str(state.final), digest, reused))
        return self._completed(plan, installed, emit)

    # -- steps ------------------------------------------------------------------------------

    def _inspect(self, plan: DownloadPlan, file: RemoteFile) -> _FileState:
        final, part = plan.final_path(file), plan.part_path(file)
        _kind, digest = expected_hash(file)
        candidates = [final]
        if isinstance(plan.destination, HFCacheDestination):
            candidates.append(hf_cache.blob_path(plan.destination.cache_dir, plan.repo, file.etag))
        existing = next((p for p in candidates if _size_of(p) == file.size), None)
        known_good = existing == final and self.manifest.find_digest(final, digest, file.size)
        partial = _size_of(part) if not existing else 0
        return _FileState(
            file=file,
            final=final,
            part=part,
            known_good=known_good,
            existing=None if known_good else existing,
            partial=max(partial, 0) if partial <= file.size else 0,
        )

    def _check_disk_space(self, plan: DownloadPlan, states: list[_FileState]) -> None:
        needed = sum(s.file.size - s.partial for s in states if not s.known_good and not s.existing)
        if needed <= 0:
            return
        where = _destination_root(plan)
        probe = next((p for p in (where, *where.parents) if p.exists()), where.anchor or where)
        free = shutil.disk_usage(probe).free
        if free < needed:
            what = f"{plan.repo} ({plan.quant})" if plan.quant else plan.repo
            raise InsufficientDiskSpaceError(
                translate(
                    "Downloads",
                    "Not enough disk space for {what}: the download needs {needed} more, but "
                    "{where} has only {free} free. Free up {missing} or download to "
                    "another folder.",
                ).format(
                    what=what,
                    needed=format_bytes(needed),
                    where=where,
                    free=format_bytes(free),
                    missing=format_bytes(needed - free),
                )
            )

    def _reuse(
        self,
        plan: DownloadPlan,
        state: _FileState,
        control: DownloadControl,
        progress: JobProgress,
        emit: Callable[[DownloadEvent], None],
    ) -> str | None:
        """The digest of a file already here and valid (linked into place), else None."""
        kind, expected = expected_hash(state.file)
        if state.known_good:
            return expected
        if state.existing is None:
            return None
        emit(Verifying(state.file.path, state.file.size))
        digest = hash_file(
            state.existing,
            kind,
            on_bytes=lambda n: progress.add(n, count_speed=False),
            should_stop=lambda: control.cancelled,
        )
        if digest is None:
            return None
        if digest != expected:
            # Damaged or foreign bytes: never reuse them; the download replaces them.
            progress.rewind(state.file.size)
            state.existing.unlink()
            return None
        if isinstance(plan.destination, HFCacheDestination) and state.existing != state.final:
            hf_cache.link_snapshot(
                plan.destination.cache_dir, plan.repo, plan.commit, state.file.path, state.file.etag
            )
        return digest

    def _place(self, plan: DownloadPlan, file: RemoteFile, part: Path) -> None:
        dest = plan.destination
        if isinstance(dest, HFCacheDestination):
            blob = hf_cache.blob_path(dest.cache_dir, plan.repo, file.etag)
            os.replace(part, blob)
            hf_cache.link_snapshot(dest.cache_dir, plan.repo, plan.commit, file.path, file.etag)
        else:
            final = plan.final_path(file)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(part, final)
        lock_of(part).unlink(missing_ok=True)

    def _completed(
        self,
        plan: DownloadPlan,
        installed: list[InstalledFile],
        emit: Callable[[DownloadEvent], None],
    ) -> DownloadResult:
        if isinstance(plan.destination, HFCacheDestination):
            hf_cache.write_ref(plan.destination.cache_dir, plan.repo, plan.revision, plan.commit)
        by_path = {f.path: f for f in installed}
        kinds = {f.path: expected_hash(f)[0].value for f in plan.files}
        model_path = None
        for unit in group_units([f.path for f in plan.files]):
            if unit.kind is UnitKind.OTHER:
                continue
            model_path = model_path or by_path[unit.first].local_path
            self.manifest.upsert(
                ManifestEntry(
                    name=unit.name,
                    repo=plan.repo,
                    revision=plan.commit,
                    quant=plan.quant,
                    destination=plan.destination.label,
                    files=tuple(
                        ManifestFile(
                            p, by_path[p].local_path, by_path[p].size, kinds[p], by_path[p].digest
                        )
                        for p in unit.paths
                    ),
                )
            )
        result = DownloadResult(
            DownloadOutcome.COMPLETED, plan.repo, plan.commit, tuple(installed), model_path
        )
        emit(JobFinished(result))
        return result

    def _cancelled(
        self,
        plan: DownloadPlan,
        states: list[_FileState],
        control: DownloadControl,
        emit: Callable[[DownloadEvent], None],
    ) -> DownloadResult:
        if control.discard_partial:
            for state in states:
                discard_partial(state.part)
        result = DownloadResult(DownloadOutcome.CANCELLED, plan.repo, plan.commit, (), None)
        emit(JobFinished(result))
        return result


def _destination_root(plan: DownloadPlan) -> Path:
    dest = plan.destination
    if isinstance(dest, HFCacheDestination):
        return hf_cache.repo_folder(dest.cache_dir, plan.repo)
    return dest.folder


def _size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1

