"""Installed models: those the manifest verified, those in the HF cache, and GGUFs in folders the
user added (used where they lie, never copied). Lists them, verifies them, deletes them.

A model is loadable when it is complete and verified. A cache model downloaded by another tool
is verified against its blob name (the hub's sha256) on `verify`, and then joins the manifest.
Files from a user folder have no reference hash: they are loadable once complete.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from backend.gguf.file_sets import ModelUnit, UnitKind, group_units
from backend.hub import hf_cache
from backend.hub.download_errors import AmbiguousModelError, FolderNotFoundError, ModelNotFoundError
from backend.hub.manifest import Manifest, ManifestEntry, ManifestFile, ModelStatus
from backend.hub.verify import HashKind, hash_file, hash_kind_for, short
from backend.i18n import translate
from backend.json_file import JsonFile
from backend.paths import AppPaths


class ModelSource(StrEnum):
    DOWNLOAD = "download"  # in the manifest: downloaded (or verified) by this app
    HF_CACHE = "hf-cache"  # in the HF cache, put there by another tool, not verified yet
    FOLDER = "folder"  # found in a folder the user added


class ModelState(StrEnum):
    VERIFIED = "verified"
    UNVERIFIED = "unverified"
    INCOMPLETE = "incomplete"  # split parts missing (or a byte split that needs joining)
    DAMAGED = "damaged"  # a verification found changed bytes


@dataclass(frozen=True, slots=True)
class LibraryModel:
    name: str
    source: ModelSource
    state: ModelState
    path: Path  # what llama.cpp is given: the file, or part 1 of a split set
    files: tuple[Path, ...]  # the files present
    missing: tuple[str, ...]  # file names of missing parts
    size_bytes: int
    repo: str | None = None
    revision: str | None = None
    quant: str | None = None
    note: str = ""

    @property
    def loadable(self) -> bool:
        if self.state is ModelState.VERIFIED:
            return True
        return self.source is ModelSource.FOLDER and self.state is ModelState.UNVERIFIED


@dataclass(frozen=True, slots=True)
class VerifyReport:
    model: str
    ok: bool
    files_checked: int
    problems: tuple[str, ...]
    message: str  # the summary the user reads


class Library:
    def __init__(
        self,
        manifest: Manifest,
        folders_file: Path,
        cache_dir: Path | None = None,
    ) -> None:
        """`folders_file` lists the folders the user added; `cache_dir` defaults to the HF cache."""
        self.manifest = manifest
        self.cache_dir = cache_dir or hf_cache.default_cache_dir()
        self.folders_file = folders_file

    @classmethod
    def of(cls, paths: AppPaths) -> Library:
        """The library of the profile at `paths` (its manifest, its added folders)."""
        return cls(Manifest(paths.manifest_file), paths.library_folders_file)

    # -- folders ---------------------------------------------------------------------------

    def folders(self) -> tuple[Path, ...]:
        raw = JsonFile(self.folders_file, 1).read() or {}
        return tuple(Path(p) for p in raw.get("folders", []) if isinstance(p, str))

    def add_folder(self, folder: Path) -> Path:
        folder = folder.expanduser().resolve()
        if not folder.is_dir():
            raise FolderNotFoundError(
                translate(
                    "Library", "{folder} is not a folder. Choose a folder that holds GGUF files."
                ).format(folder=folder)
            )
        if folder not in self.folders():
            self._save_folders([*self.folders(), folder])
        return folder

    def remove_folder(self, folder: Path) -> None:
        """Stop listing a folder's models (its files stay on disk)."""
        folder = folder.expanduser().resolve()
        self._save_folders([f for f in self.folders() if f != folder])

    def _save_folders(self, folders: list[Path]) -> None:
        JsonFile(self.folders_file, 1).write({"folders": [str(f) for f in folders]})

    # -- listing ---------------------------------------------------------------------------

    def models(self) -> list[LibraryModel]:
        found: list[LibraryModel] = []
        covered: set[Path] = set()
        for entry in self.manifest.entries():
            model = _from_manifest(entry)
            found.append(model)
            covered.update(Path(f.local_path) for f in entry.files)
        by_snapshot: dict[tuple[str, str], list[hf_cache.CachedFile]] = defaultdict(list)
        for cached in hf_cache.scan(self.cache_dir):
            by_snapshot[(cached.repo, cached.commit)].append(cached)
        for (repo, commit), files in by_snapshot.items():
            by_path = {f.path: f for f in files}
            for unit in group_units([f.path for f in files]):
                local = [by_path[p].local_path for p in unit.paths]
                if any(p in covered for p in local):
                    continue
                present = [p for p in unit.paths if by_path[p].size >= 0]
                dangling = tuple(
                    by_path[p].path.rsplit("/", 1)[-1] for p in unit.paths if by_path[p].size < 0
                )
                found.append(
                    _from_unit(
                        unit,
                        ModelSource.HF_CACHE,
                        [by_path[p].local_path for p in present],
                        sum(by_path[p].size for p in present),
                        extra_missing=dangling,
                        repo=repo,
                        revision=commit,
                    )
                )
        for folder in self.folders():
            found.extend(self._scan_folder(folder, covered))
        return found

    def _scan_folder(self, folder: Path, covered: set[Path]) -> list[LibraryModel]:
        if not folder.is_dir():
            return []
        paths = sorted(
            p.relative_to(folder).as_posix()
            for p in folder.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        )
        models = []
        for unit in group_units(paths):
            if unit.kind is UnitKind.OTHER:
                continue
            local = [folder / p for p in unit.paths]
            if any(p in covered for p in local):
                continue
            models.append(
                _from_unit(unit, ModelSource.FOLDER, local, sum(p.stat().st_size for p in local))
            )
        return models

    def find(self, query: str) -> LibraryModel:
        """The model named `query`, or holding the file at path `query`."""
        models = self.models()
        as_path = Path(query).expanduser()
        if as_path.exists() or os.sep in query or query.endswith(".gguf"):
            target = as_path.resolve() if as_path.exists() else as_path.absolute()
            hits = [
                m for m in models if target in {f.resolve() for f in m.files} or m.path == target
            ]
        else:
            hits = [m for m in models if m.name.lower() == query.lower()]
        if not hits:
            raise ModelNotFoundError(
                translate(
                    "Library",
                    "No installed model matches {query!r}. Run `models list` to see names, or give "
                    "the path of a model file.",
                ).format(query=query)
            )
        if len(hits) > 1:
            listed = "; ".join(f"{m.path} ({m.source.value})" for m in hits)
            raise AmbiguousModelError(
                translate(
                    "Library",
                    "{count} installed models are named {query!r}: {listed}. Give the path of "
                    "the one you mean.",
                ).format(count=len(hits), query=query, listed=listed)
            )
        return hits[0]

    # -- verify ------------------------------------------------------------------------------

    def verify(
        self,
        model: LibraryModel,
        on_bytes: Callable[[int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> VerifyReport:
        """Re-hash every byte against its reference hash (manifest or blob name); record it."""
        if model.source is ModelSource.FOLDER:
            return self._verify_folder(model)
        if model.source is ModelSource.HF_CACHE:
            return self._verify_cache(model, on_bytes, should_stop)
        entry = self._entry_for(model)
        problems = []
        for f in entry.files:
            problems.extend(
                _check(Path(f.local_path), f.size, f.hash_kind, f.digest, on_bytes, should_stop)
            )
        ok = not problems
        self.manifest.upsert(entry.with_status(ModelStatus.VERIFIED if ok else ModelStatus.DAMAGED))
        return _report(model, len(entry.files), problems)

    def _verify_cache(
        self,
        model: LibraryModel,
        on_bytes: Callable[[int], None] | None,
        should_stop: Callable[[], bool] | None,
    ) -> VerifyReport:
        problems = [_missing(name) for name in model.missing]
        files: list[ManifestFile] = []
        commit_dir = (
            hf_cache.repo_folder(self.cache_dir, model.repo or "")
            / "snapshots"
            / (model.revision or "")
        )
        for local in model.files:
            etag = Path(os.readlink(local)).name if local.is_symlink() else None
            if etag is None:
                problems.append(
                    translate(
                        "Library", "{name} has no reference hash (it is not linked to a blob)."
                    ).format(name=local.name)
                )
                continue
            size = local.stat().st_size
            kind = hash_kind_for(etag)
            problems.extend(_check(local, size, kind.value, etag, on_bytes, should_stop))
            files.append(
                ManifestFile(
                    local.relative_to(commit_dir).as_posix(), str(local), size, kind.value, etag
                )
            )
        if not problems and model.repo and model.revision:
            self.manifest.upsert(
                ManifestEntry(
                    model.name, model.repo, model.revision, None, "hf-cache", tuple(files)
                )
            )
        return _report(model, len(model.files), problems)

    def _verify_folder(self, model: LibraryModel) -> VerifyReport:
        problems = [_missing(name) for name in model.missing]
        if model.state is ModelState.INCOMPLETE and not problems:
            problems.append(model.note)
        report = _report(model, len(model.files), problems)
        if report.ok:
            return VerifyReport(
                model.name,
                True,
                len(model.files),
                (),
                translate(
                    "Library",
                    "{model}: all {count} files are present. Files added from a "
                    "folder have no reference checksum, so their content could not be checked.",
                ).format(model=model.name, count=len(model.files)),
            )
        return report

    def _entry_for(self, model: LibraryModel) -> ManifestEntry:
        for entry in self.manifest.entries():
            if (
                entry.repo == model.repo
                and entry.revision == model.revision
                and entry.name == model.name
            ):
                return entry
        raise ModelNotFoundError(
            translate(
                "Library", "{model} is no longer in the manifest. Run `models list` again."
            ).format(model=model.name)
        )

    # -- delete --------------------------------------------------------------------------------

    def delete(self, model: LibraryModel) -> int:
        """Delete the model's files from disk (and from the manifest); returns bytes freed."""
        freed = 0
        if model.source is ModelSource.DOWNLOAD:
            entry = self._entry_for(model)
            if entry.destination == "hf-cache" and (
                cache := _cache_dir_of(Path(entry.files[0].local_path))
            ):
                freed = hf_cache.remove_files(
                    cache, entry.repo, entry.revision, [f.path for f in entry.files]
                )
            else:
                freed = _unlink_all(Path(f.local_path) for f in entry.files)
            self.manifest.remove(entry.key)
        elif model.source is ModelSource.HF_CACHE and model.repo and model.revision:
            commit_dir = (
                hf_cache.repo_folder(self.cache_dir, model.repo) / "snapshots" / model.revision
            )
            paths = [p.relative_to(commit_dir).as_posix() for p in model.files]
            freed = hf_cache.remove_files(self.cache_dir, model.repo, model.revision, paths)
        else:
            freed = _unlink_all(model.files)
        return freed


def _from_manifest(entry: ManifestEntry) -> LibraryModel:
    files = [Path(f.local_path) for f in entry.files]
    present = [(p, f) for p, f in zip(files, entry.files, strict=True) if _size(p) == f.size]
    missing = tuple(p.name for p, f in zip(files, entry.files, strict=True) if _size(p) != f.size)
    if entry.status is ModelStatus.DAMAGED:
        state = ModelState.DAMAGED
        note = translate("Library", "verification failed: download it again to repair it")
    elif missing:
        state = ModelState.INCOMPLETE
        note = translate("Library", "missing or changed: {names}").format(names=", ".join(missing))
    else:
        state, note = ModelState.VERIFIED, ""
    return LibraryModel(
        name=entry.name,
        source=ModelSource.DOWNLOAD,
        state=state,
        path=files[0],
        files=tuple(p for p, _ in present),
        missing=missing,
        size_bytes=sum(f.size for _, f in present),
        repo=entry.repo,
        revision=entry.revision,
        quant=entry.quant,
        note=note,
    )


def _from_unit(
    unit: ModelUnit,
    source: ModelSource,
    local: list[Path],
    size: int,
    *,
    extra_missing: tuple[str, ...] = (),
    repo: str | None = None,
    revision: str | None = None,
) -> LibraryModel:
    missing = unit.missing + extra_missing
    if unit.kind is UnitKind.BYTE_SPLIT:
        state = ModelState.INCOMPLETE
        note = translate(
            "Library", "raw byte split: join the parts with `cat` into one .gguf before loading"
        )
    elif missing:
        state = ModelState.INCOMPLETE
        count = len(unit.paths) + len(unit.missing)
        note = translate("Library", "{missing} of {count} parts missing: {names}").format(
            missing=len(missing), count=count, names=", ".join(missing)
        )
    else:
        state, note = ModelState.UNVERIFIED, ""
    first = local[0] if local else Path(unit.first)
    return LibraryModel(
        unit.name, source, state, first, tuple(local), missing, size, repo, revision, None, note
    )


def _check(
    path: Path,
    size: int,
    kind: str,
    digest: str,
    on_bytes: Callable[[int], None] | None,
    should_stop: Callable[[], bool] | None,
) -> list[str]:
    actual_size = _size(path)
    if actual_size < 0:
        return [
            translate("Library", "{name} is missing ({path}).").format(name=path.name, path=path)
        ]
    if actual_size != size:
        return [
            translate("Library", "{name} has {got} bytes, expected {size}.").format(
                name=path.name, got=actual_size, size=size
            )
        ]
    got = hash_file(path, HashKind(kind), on_bytes, should_stop)
    if got is None:
        return [translate("Library", "{name}: verification was cancelled.").format(name=path.name)]
    if got != digest:
        return [
            translate(
                "Library", "Checksum mismatch for {name} (expected {expected}, got {got})."
            ).format(name=path.name, expected=short(digest), got=short(got))
        ]
    return []


def _missing(name: str) -> str:
    return translate("Library", "{name} is missing.").format(name=name)


def _report(model: LibraryModel, checked: int, problems: list[str]) -> VerifyReport:
    if not problems:
        message = translate("Library", "{model}: all {count} files verified.")
        return VerifyReport(
            model.name, True, checked, (), message.format(model=model.name, count=checked)
        )
    return VerifyReport(
        model.name,
        False,
        checked,
        tuple(problems),
        translate(
            "Library", "{model} failed verification: {problems} Download it again to repair it."
        ).format(model=model.name, problems=" ".join(problems)),
    )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


def _cache_dir_of(local: Path) -> Path | None:
    for parent in local.parents:
        if parent.name.startswith("models--"):
            return parent.parent
    return None


def _unlink_all(paths: Iterable[Path]) -> int:
    freed = 0
    for path in paths:
        size = _size(path)
        if size >= 0:
            path.unlink()
            freed += size
    return freed
