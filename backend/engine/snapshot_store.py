"""Where KV snapshots live: the newest few in RAM, the rest in a folder with a size cap, found by
the longest common token prefix with a new prompt.

Matching by prefix needs no conversation id: a follow-up, an edit, a regeneration or a branch
of a conversation all find the snapshot that shares their start. Snapshots still carry their
conversation's id, so that deleting a conversation deletes them (they hold its content).

Thread-safe. The engine's thread finds, takes and adds snapshots; `put` leaves hashing and
writing to a writer thread of the store's own, which is not a daemon: a snapshot taken as the
app closes is still written after the window is gone. The GUI thread asks for the space used,
clears, and drops a deleted conversation's snapshots.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from backend.atomic_file import write_bytes_atomically
from backend.engine.kv_snapshots import (
    Snapshot,
    SnapshotError,
    SnapshotKey,
    common_prefix,
    read_index_entry,
    token_bytes,
)

log = logging.getLogger(__name__)

SUFFIX = ".kvsnap"
GiB = 1 << 30


@dataclass(slots=True)
class _Entry:
    key: SnapshotKey
    tokens: tuple[int, ...]
    conversation: str | None
    nbytes: int  # on disk (or, until written, in memory)


def disk_cap_for(folder: Path, gib: float | None) -> int:
    """`gib` (the user's choice), or by default a tenth of the free space where snapshots go,
    between 2 and 64 GiB."""
    if gib is not None:
        return int(gib * GiB)
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = shutil.disk_usage(probe).free
    except OSError:
        return 2 * GiB
    return max(2 * GiB, min(64 * GiB, free // 10))


def default_ram_cap() -> int:
    """A tenth of the RAM available now, at most 2 GiB: RAM belongs to the model's experts."""
    from backend.engine.devices import system_memory

    return max(256 << 20, min(2 * GiB, system_memory()[1] // 10))


class SnapshotStore:
    def __init__(self, folder: Path, *, disk_cap: int, ram_cap: int = 2 * GiB,
                 enabled: bool = True) -> None:
        self.folder = folder
        self.enabled = enabled  # off: nothing is found, nothing is kept (Settings)
        self.disk_cap = disk_cap
        self.ram_cap = ram_cap
        self._lock = threading.Condition()
        self._index: OrderedDict[str, _Entry] = OrderedDict()  # least recently used first
        self._ram: OrderedDict[str, Snapshot] = OrderedDict()
        self._pending: dict[str, Snapshot] = {}  # waiting for the writer
        self._writer: threading.Thread | None = None
        self._read_folder()

    # -- finding and taking -----------------------------------------------------------------

    def best_match(self, key: SnapshotKey, tokens: Sequence[int]) -> tuple[str | None, int]:
        """The snapshot sharing the longest start with `tokens`, and how long that start is."""
        if not self.enabled:
            return None, 0
        with self._lock:
            candidates = [(i, e.tokens) for i, e in self._index.items() if e.key == key]
        best, best_n = None, 0
        for snapshot_id, tokens_of in candidates:
            n = common_prefix(tokens_of, tokens)
            if n > best_n:
                best, best_n = snapshot_id, n
        return best, best_n

    def longest_start(self, key: SnapshotKey, tokens: Sequence[int],
                      limit: int) -> tuple[str | None, int]:
        """The longest snapshot that is wholly a start of `tokens`, at most `limit` long, and
        its length: what a cache that cannot drop its tail (V4's) can restore."""
        if not self.enabled:
            return None, 0
        with self._lock:
            candidates = [(i, e.tokens) for i, e in self._index.items()
                          if e.key == key and len(e.tokens) <= limit]
        best, best_n = None, 0
        for snapshot_id, tokens_of in candidates:
            n = len(tokens_of)
            if n > best_n and common_prefix(tokens_of, tokens) == n:
                best, best_n = snapshot_id, n
        return best, best_n

    def get(self, snapshot_id: str) -> Snapshot | None:
        """The snapshot, from RAM or from its file; None if it is gone or damaged (deleted)."""
        with self._lock:
            snapshot = self._ram.get(snapshot_id) or self._pending.get(snapshot_id)
            if snapshot is not None:
                self._touch(snapshot_id)
                return snapshot
        path = self._path(snapshot_id)
        try:
            snapshot = Snapshot.decode(path.read_bytes())
        except FileNotFoundError:
            self.drop(snapshot_id)
            return None
        except (SnapshotError, OSError) as exc:
            log.info("KV snapshot %s is unusable (%s); deleted", path.name, exc)
            self.drop(snapshot_id)
            return None
        path.touch()  # the folder's least-recently-used order survives a restart
        with self._lock:
            if snapshot_id in self._index:
                self._touch(snapshot_id)
                self._keep_in_ram(snapshot_id, snapshot)
        return snapshot

    # -- adding and dropping ----------------------------------------------------------------

    def put(self, snapshot: Snapshot, *, keep_starts: bool = False) -> str:
        """Keep `snapshot` (in RAM at once, on disk soon). It supersedes its conversation's
        older snapshot, and any that is only a start of it: those are deleted, unless
        `keep_starts` (a cache that cannot drop its tail cannot make a start from it)."""
        snapshot_id = _snapshot_id(snapshot)
        if not self.enabled:
            return snapshot_id
        with self._lock:
            for old_id, entry in list(self._index.items()):
                if old_id == snapshot_id:
                    continue
                same_conversation = (snapshot.conversation is not None
                                     and entry.conversation == snapshot.conversation)
                a_start_of_it = (entry.key == snapshot.key
                                 and len(entry.tokens) <= len(snapshot.tokens)
                                 and snapshot.tokens[:len(entry.tokens)] == entry.tokens)
                if keep_starts and a_start_of_it:
                    continue
                if same_conversation or a_start_of_it:
                    self._forget(old_id)
            self._index[snapshot_id] = _Entry(snapshot.key, snapshot.tokens,
                                              snapshot.conversation, snapshot.nbytes)
            self._touch(snapshot_id)
            self._keep_in_ram(snapshot_id, snapshot)
            self._pending[snapshot_id] = snapshot
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_pending, name="kv-snapshots")
                self._writer.start()
            self._lock.notify_all()
        return snapshot_id

    def drop(self, snapshot_id: str) -> None:
        with self._lock:
            self._forget(snapshot_id)

    def drop_conversation(self, conversation: str) -> None:
        """Delete a conversation's snapshots: they hold its content."""
        with self._lock:
            for snapshot_id, entry in list(self._index.items()):
                if entry.conversation == conversation:
                    self._forget(snapshot_id)

    def clear(self) -> None:
        """Delete every snapshot."""
        with self._lock:
            for snapshot_id in list(self._index):
                self._forget(snapshot_id)
        for stray in self.folder.glob(f".*{SUFFIX}.*.tmp"):
            stray.unlink(missing_ok=True)

    def set_caps(self, disk_cap: int, ram_cap: int | None = None) -> None:
        with self._lock:
            self.disk_cap = disk_cap
            self.ram_cap = self.ram_cap if ram_cap is None else ram_cap
            self._evict_disk()
            self._evict_ram()

    def usage(self) -> int:
        """Bytes the snapshots take on disk (and those about to be written)."""
        with self._lock:
            return sum(e.nbytes for e in self._index.values())

    def flush(self, timeout: float = 60.0) -> bool:
        """Wait until every snapshot is written; False if `timeout` came first."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(min(left, 0.05))
        return True

    # -- internals (the lock held where noted) -----------------------------------------------

    def _read_folder(self) -> None:
        if not self.folder.is_dir():
            return
        for stray in self.folder.glob(f".*{SUFFIX}.*.tmp"):  # a write cut short by a kill
            stray.unlink(missing_ok=True)
        files = []
        for path in self.folder.glob(f"*{SUFFIX}"):
            try:
                files.append((path.stat().st_mtime, path))
            except OSError:
                continue
        for _mtime, path in sorted(files):
            try:
                entry = read_index_entry(path)
                size = path.stat().st_size
            except (SnapshotError, OSError) as exc:
                log.info("KV snapshot %s is unusable (%s); deleted", path.name, exc)
                path.unlink(missing_ok=True)
                continue
            self._index[path.stem] = _Entry(entry.key, entry.tokens, entry.conversation, size)
        self._evict_disk()

    def _path(self, snapshot_id: str) -> Path:
        return self.folder / f"{snapshot_id}{SUFFIX}"

    def _touch(self, snapshot_id: str) -> None:  # lock held
        if snapshot_id in self._index:
            self._index.move_to_end(snapshot_id)
        if snapshot_id in self._ram:
            self._ram.move_to_end(snapshot_id)

    def _keep_in_ram(self, snapshot_id: str, snapshot: Snapshot) -> None:  # lock held
        self._ram[snapshot_id] = snapshot
        self._ram.move_to_end(snapshot_id)
        self._evict_ram()

    def _evict_ram(self) -> None:  # lock held; the newest one always stays
        total = sum(s.nbytes for s in self._ram.values())
        while total > self.ram_cap and len(self._ram) > 1:
            _, oldest = self._ram.popitem(last=False)
            total -= oldest.nbytes

    def _evict_disk(self) -> None:  # lock held
        """Least recently used first, down to the cap; the newest stays if it fits alone."""
        total = sum(e.nbytes for e in self._index.values())
        newest = next(reversed(self._index), None)
        for snapshot_id in list(self._index):
            if total <= self.disk_cap:
                break
            if snapshot_id == newest and self._index[snapshot_id].nbytes <= self.disk_cap:
                break
            total -= self._index[snapshot_id].nbytes
            self._forget(snapshot_id)

    def _forget(self, snapshot_id: str) -> None:  # lock held
        self._index.pop(snapshot_id, None)
        self._ram.pop(snapshot_id, None)
        self._pending.pop(snapshot_id, None)
        self._path(snapshot_id).unlink(missing_ok=True)
        self._lock.notify_all()

    def _write_pending(self) -> None:
        """The writer thread: hash and write snapshots until none is waiting."""
        while True:
            with self._lock:
                if not self._pending:
                    self._writer = None
                    self._lock.notify_all()
                    return
                snapshot_id, snapshot = next(iter(self._pending.items()))
            path = self._path(snapshot_id)
            written = True
            try:
                write_bytes_atomically(path, snapshot.pieces(), private=True)
            except OSError as exc:  # a full disk loses a cache, nothing the user made
                log.warning("could not save a KV snapshot: %s", exc.strerror or exc)
                written = False
            with self._lock:
                if self._pending.get(snapshot_id) is snapshot:
                    del self._pending[snapshot_id]
                if snapshot_id not in self._index:  # dropped while it was being written
                    path.unlink(missing_ok=True)
                elif not written:
                    self._index.pop(snapshot_id, None)
                    self._ram.pop(snapshot_id, None)
                else:
                    self._evict_disk()
                self._lock.notify_all()


def _snapshot_id(snapshot: Snapshot) -> str:
    """Named by content: the same cells for the same key are one file."""
    digest = hashlib.sha256(json.dumps(asdict(snapshot.key), sort_keys=True).encode())
    digest.update(token_bytes(snapshot.tokens))
    return digest.hexdigest()[:32]
