"""The record of verified models: repo, revision, and each file's path, size and hash.

A model is in the manifest only once every byte of it matched the hub's hash. The file is JSON
with a schema version, rewritten atomically under a lock so the GUI and the CLI can share it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from backend.file_lock import FileLock
from backend.json_file import JsonFile

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1


class ModelStatus(StrEnum):
    VERIFIED = "verified"
    DAMAGED = "damaged"  # a later `verify` found a file changed or missing


@dataclass(frozen=True, slots=True)
class ManifestFile:
    path: str  # repo-relative
    local_path: str  # absolute path on this machine (a snapshot link in the HF cache)
    size: int
    hash_kind: str  # "sha256" or "git-sha1"
    digest: str


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    name: str
    repo: str
    revision: str  # the commit the files came from
    quant: str | None
    destination: str  # "hf-cache" or "folder"
    files: tuple[ManifestFile, ...]
    status: ModelStatus = ModelStatus.VERIFIED
    verified_at: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.repo, self.revision, self.name)

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    def with_status(self, status: ModelStatus) -> ManifestEntry:
        return replace(self, status=status, verified_at=_now())


class Manifest:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = FileLock(self.path.with_name(self.path.name + ".lock"))

    def entries(self) -> tuple[ManifestEntry, ...]:
        return tuple(self._read())

    def upsert(self, entry: ManifestEntry) -> None:
        """Add `entry`, replacing the one with the same repo, revision and name."""
        with self._lock:
            kept = [e for e in self._read() if e.key != entry.key]
            self._write([*kept, replace(entry, verified_at=entry.verified_at or _now())])

    def remove(self, key: tuple[str, str, str]) -> None:
        with self._lock:
            self._write([e for e in self._read() if e.key != key])

    def find_digest(self, local_path: Path, digest: str, size: int) -> bool:
        """Whether `local_path` was verified with this digest and size (and still has that size)."""
        target = str(local_path)
        for entry in self._read():
            if entry.status is not ModelStatus.VERIFIED:
                continue
            for f in entry.files:
                if f.local_path == target and f.digest == digest and f.size == size:
                    return True
        return False

    def _read(self) -> list[ManifestEntry]:
        """The verified models; a damaged file is set aside (its models then show as unverified
        until `models verify` re-checks them), see `backend.json_file`."""
        raw = JsonFile(self.path, SCHEMA_VERSION).read() or {}
        entries = []
        for item in raw.get("models", []):
            try:
                entries.append(_entry_from_json(item))
            except (KeyError, TypeError, ValueError) as err:
                log.warning("manifest %s: an entry is unreadable (%s); it shows as unverified",
                            self.path, err)
        return entries

    def _write(self, entries: list[ManifestEntry]) -> None:
        JsonFile(self.path, SCHEMA_VERSION).write(
            {"models": [_entry_to_json(e) for e in entries]})


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _entry_to_json(entry: ManifestEntry) -> dict[str, Any]:
    return {
        "name": entry.name,
        "repo": entry.repo,
        "revision": entry.revision,
        "quant": entry.quant,
        "destination": entry.destination,
        "status": entry.status.value,
        "verified_at": entry.verified_at,
        "files": [
            {
                "path": f.path,
                "local_path": f.local_path,
                "size": f.size,
                "hash_kind": f.hash_kind,
                "digest": f.digest,
            }
            for f in entry.files
        ],
    }


def _entry_from_json(item: dict[str, Any]) -> ManifestEntry:
    return ManifestEntry(
        name=item["name"],
        repo=item["repo"],
        revision=item["revision"],
        quant=item.get("quant"),
        destination=item.get("destination", "hf-cache"),
        status=ModelStatus(item.get("status", "verified")),
        verified_at=item.get("verified_at", ""),
        files=tuple(
            ManifestFile(
                path=f["path"],
                local_path=f["local_path"],
                size=int(f["size"]),
                hash_kind=f.get("hash_kind", "sha256"),
                digest=f["digest"],
            )
            for f in item.get("files", [])
        ),
    )
