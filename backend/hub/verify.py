"""Content hashes: the sha256 the hub publishes for LFS files, the git blob id for the rest.

`StreamHasher` hashes on a thread of its own while the caller keeps receiving bytes: hashlib
releases the GIL on large buffers, so a verified download costs about what a plain one does.
"""

from __future__ import annotations

import hashlib
import queue
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum
from pathlib import Path

from backend.hub.client import RemoteFile

READ_CHUNK = 8 << 20
_BATCH_BYTES = 4 << 20  # hand chunks to the hashing thread in batches: fewer queue round trips


class HashKind(StrEnum):
    SHA256 = "sha256"
    GIT_SHA1 = "git-sha1"  # sha1 of b"blob <size>\0" + content: the hub's id of non-LFS files


def expected_hash(file: RemoteFile) -> tuple[HashKind, str]:
    if file.sha256:
        return HashKind.SHA256, file.sha256.lower()
    return HashKind.GIT_SHA1, (file.blob_id or "").lower()


def hash_kind_for(etag: str) -> HashKind:
    """The kind of an etag or blob name: 64 hex digits are a sha256, 40 a git sha1."""
    return HashKind.SHA256 if len(etag) == 64 else HashKind.GIT_SHA1


def short(digest: str) -> str:
    return digest[:12] + "…"


def _new_hash(kind: HashKind, size: int) -> hashlib._Hash:
    if kind is HashKind.SHA256:
        return hashlib.sha256()
    h = hashlib.sha1(usedforsecurity=False)
    h.update(b"blob %d\0" % size)
    return h


class StreamHasher:
    """Feed bytes in order with `update`; `hexdigest` waits for the thread and returns the digest.

    hashlib objects cannot be saved, so a download resumed by a new process re-reads its partial
    file once through `update` before new bytes arrive.
    """

    def __init__(self, kind: HashKind, size: int) -> None:
        self._kind, self._size = kind, size
        self._start()

    def _start(self) -> None:
        self._hash = _new_hash(self._kind, self._size)
        self._queue: queue.Queue[list[bytes] | None] = queue.Queue(maxsize=8)
        self._batch: list[bytes] = []
        self._batch_bytes = 0
        self._digest: str | None = None
        # A pool of one: its Future hands an error in the hashing thread back to `hexdigest`.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hash")
        self._done = self._pool.submit(self._run)

    def reset(self) -> None:
        """Forget every byte fed so far (the server ignored a Range request: start from 0)."""
        self.close()
        self._start()

    def update(self, data: bytes) -> None:
        self._batch.append(data)
        self._batch_bytes += len(data)
        if self._batch_bytes >= _BATCH_BYTES:
            self._flush()

    def hexdigest(self) -> str:
        if self._digest is None:
            self._flush()
            self._queue.put(None)
            self._pool.shutdown()
            self._done.result()  # raises what the hashing thread raised
            self._digest = self._hash.hexdigest()
        return self._digest

    def close(self) -> None:
        """Stop the thread without a result (cancel, errors)."""
        if not self._done.done():
            self._batch, self._batch_bytes = [], 0
            self._queue.put(None)
        self._pool.shutdown()

    def _flush(self) -> None:
        if self._batch:
            self._queue.put(self._batch)
            self._batch, self._batch_bytes = [], 0

    def _run(self) -> None:
        update = self._hash.update
        while (batch := self._queue.get()) is not None:
            # One big update per batch: hashlib releases the GIL for its whole length, where
            # 64 KB updates would each need the GIL back from the receiving thread.
            update(batch[0] if len(batch) == 1 else b"".join(batch))


def feed_file(
    hasher: StreamHasher,
    path: Path,
    length: int,
    on_bytes: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> bool:
    """Feed the first `length` bytes of `path`; False if `should_stop` interrupted it."""
    done = 0
    with path.open("rb", buffering=0) as f:
        while done < length:
            if should_stop is not None and should_stop():
                return False
            data = f.read(min(READ_CHUNK, length - done))
            if not data:
                break
            hasher.update(data)
            done += len(data)
            if on_bytes is not None:
                on_bytes(len(data))
    return done == length


def hash_file(
    path: Path,
    kind: HashKind,
    on_bytes: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> str | None:
    """The digest of a whole file, or None if `should_stop` interrupted it."""
    size = path.stat().st_size
    hasher = StreamHasher(kind, size)
    try:
        if not feed_file(hasher, path, size, on_bytes, should_stop):
            return None
        return hasher.hexdigest()
    finally:
        hasher.close()
