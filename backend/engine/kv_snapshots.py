"""KV-cache snapshots: one conversation's evaluated prompt, kept so it never has to be read again.

A snapshot is the sequence's KV cells as llama.cpp serializes them, wrapped in our own header.
llama.cpp checks a blob's shapes (layers, row sizes, K type, V layout) but not which model or
which llama.cpp wrote it, nor its bytes: a blob from another model of the same shape loads
"fine" and answers garbage. So a blob is handed back only after everything here checks out.

File layout (little-endian):

    8 bytes   magic  b"DSLKV\\x00\\x00\\x01"
    u32       header length H
    H bytes   header, UTF-8 JSON: the key, the token count and both digests, informational fields
    4*n bytes the n tokens the cells hold (int32), positions 0..n-1
    B bytes   llama.cpp's sequence state

Capture and restore call llama.cpp, so they run on the engine's thread; encoding, hashing and
writing may run anywhere (`snapshot_store` writes in the background).
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backend.engine.native import NativeModel

MAGIC = b"DSLKV\x00\x00\x01"
FORMAT_VERSION = 1
_SEQ_BLOB_MAGIC = 0xAF143CD8  # llama.cpp's io_magic: the first u32 of every sequence state
_MAX_HEADER = 1 << 16
_PREFIX = struct.Struct("<8sI")
_SPLIT = re.compile(r"(.*)-(\d{5})-of-(\d{5})\.gguf$")


class SnapshotError(Exception):
    """A snapshot that cannot be used here: damaged, or made for another model or settings.

    Not an `AppError`: the user is never told; the answer is only slower (the prompt is read).
    """


# -- identity ---------------------------------------------------------------------------------

_fingerprints: dict[tuple[str, int, int], str] = {}


def model_fingerprint(path: Path, *, head: int = 8 << 20, tail: int = 1 << 20) -> str:
    """A cheap identity of a GGUF (every part of a split set): sizes, the first `head` bytes
    (metadata, tensor table, the first weights) and the last `tail` bytes of each part. Moving or
    renaming the file keeps it; another quant or fine-tune changes it. Memoized per file
    version, so a 400 GB model is fingerprinted once per session."""
    parts = _split_parts(path)
    stats = [p.stat() for p in parts]
    memo = (str(path), sum(s.st_size for s in stats), max(s.st_mtime_ns for s in stats))
    if memo in _fingerprints:
        return _fingerprints[memo]
    digest = hashlib.sha256(b"gguf-fingerprint-1")
    for part, stat in zip(parts, stats, strict=True):
        digest.update(struct.pack("<Q", stat.st_size))
        with part.open("rb") as f:
            digest.update(f.read(head))
            if stat.st_size > head:
                f.seek(max(head, stat.st_size - tail))
                digest.update(f.read(tail))
    _fingerprints[memo] = digest.hexdigest()[:32]
    return _fingerprints[memo]


def _split_parts(path: Path) -> list[Path]:
    match = _SPLIT.match(path.name)
    if not match:
        return [path]
    count = int(match.group(3))
    return [path.with_name(f"{match.group(1)}-{i:05d}-of-{count:05d}.gguf")
            for i in range(1, count + 1)]


@dataclass(frozen=True, slots=True)
class SnapshotKey:
    """What must be equal for a snapshot to be restorable and mean the same thing.

    Not part of it, because restoring across them is exact: the context length (only the
    capacity matters, checked at restore), threads, batch sizes, and the GPU/CPU placement of
    the weights (the cells do not depend on the device). A user tuning the expert offload keeps
    the snapshots.
    """

    model: str  # `model_fingerprint`
    kv_type: str  # the cache's element type
    v_trans: bool  # V layout: flash attention requested off ("auto" counts as on)
    llama: str  # llama-cpp-python's version: the blob format has none of its own

    @classmethod
    def of(cls, model: Path, kv_type: str, flash_attn: bool | None, llama: str) -> SnapshotKey:
        return cls(model_fingerprint(model), kv_type, flash_attn is False, llama)


# -- the snapshot ---------------------------------------------------------------------------


def _sha256(data: bytes | bytearray | memoryview) -> str:
    return hashlib.sha256(data).hexdigest()


def token_bytes(tokens: Sequence[int]) -> bytes:
    return struct.pack(f"<{len(tokens)}i", *tokens)


@dataclass(slots=True)
class Snapshot:
    key: SnapshotKey
    tokens: tuple[int, ...]
    blob: bytearray  # llama.cpp's sequence state
    conversation: str | None = None  # whose it is: deleted with the conversation
    created: float = field(default_factory=time.time)

    @property
    def nbytes(self) -> int:
        return len(self.blob) + 4 * len(self.tokens)

    def pieces(self) -> Iterator[bytes | bytearray]:
        """The file's bytes in order (written piece by piece: a blob can be gigabytes)."""
        tokens = token_bytes(self.tokens)
        header = json.dumps({
            "format": FORMAT_VERSION, "key": asdict(self.key), "n_tokens": len(self.tokens),
            "tokens_sha256": _sha256(tokens), "blob_len": len(self.blob),
            "blob_sha256": _sha256(self.blob), "conversation": self.conversation,
            "created": self.created,
        }, sort_keys=True).encode()
        yield _PREFIX.pack(MAGIC, len(header)) + header
        yield tokens
        yield self.blob

    @classmethod
    def decode(cls, data: bytes | bytearray) -> Snapshot:
        """Check and parse a snapshot file's bytes; raises `SnapshotError`, never crashes."""
        header, start = _header(data)
        n, blob_len = header["n_tokens"], header["blob_len"]
        if len(data) != start + 4 * n + blob_len:
            raise SnapshotError(f"snapshot is {len(data)} bytes, not {start + 4 * n + blob_len}")
        view = memoryview(data)
        tokens = view[start:start + 4 * n]
        if _sha256(tokens) != header["tokens_sha256"]:
            raise SnapshotError("the snapshot's tokens are damaged")
        blob = bytearray(view[start + 4 * n:])
        if _sha256(blob) != header["blob_sha256"]:
            raise SnapshotError("the snapshot's KV cells are damaged")
        if blob_len < 8 or struct.unpack_from("<I", blob)[0] != _SEQ_BLOB_MAGIC:
            raise SnapshotError("not a llama.cpp sequence state")
        return cls(header["key"], struct.unpack(f"<{n}i", tokens), blob,
                   header["conversation"], header["created"])


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """What the store keeps of a snapshot file without reading its (large) blob."""

    key: SnapshotKey
    tokens: tuple[int, ...]
    conversation: str | None


def read_index_entry(path: Path) -> IndexEntry:
    """A snapshot file's key, tokens and owner; raises `SnapshotError` or `OSError`."""
    with path.open("rb") as f:
        head = f.read(_PREFIX.size + _MAX_HEADER)
        header, start = _header(head)
        f.seek(start)
        tokens = f.read(4 * header["n_tokens"])
    if len(tokens) != 4 * header["n_tokens"] or _sha256(tokens) != header["tokens_sha256"]:
        raise SnapshotError("the snapshot's tokens are damaged")
    return IndexEntry(header["key"], struct.unpack(f"<{header['n_tokens']}i", tokens),
                      header["conversation"])


def _header(data: bytes | bytearray) -> tuple[dict[str, Any], int]:
    """The checked header, with the key as a `SnapshotKey`, and where the tokens start."""
    if len(data) < _PREFIX.size:
        raise SnapshotError("not a KV snapshot (too short)")
    magic, length = _PREFIX.unpack_from(data)
    if magic != MAGIC:
        raise SnapshotError("not a KV snapshot")
    if length > _MAX_HEADER or _PREFIX.size + length > len(data):
        raise SnapshotError("the snapshot's header is cut short")
    try:
        header = json.loads(bytes(data[_PREFIX.size:_PREFIX.size + length]))
        if header.get("format") != FORMAT_VERSION:
            raise SnapshotError(f"snapshot format {header.get('format')!r}")
        header["key"] = SnapshotKey(**header["key"])
        for name in ("n_tokens", "blob_len"):
            if not isinstance(header[name], int) or header[name] < 0:
                raise SnapshotError(f"bad {name} {header[name]!r}")
        conversation = header.get("conversation")
        header["conversation"] = conversation if isinstance(conversation, str) else None
        header["created"] = float(header.get("created", 0.0))
        header["tokens_sha256"], header["blob_sha256"] = (
            str(header["tokens_sha256"]), str(header["blob_sha256"]))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SnapshotError(f"unreadable snapshot header ({type(exc).__name__})") from None
    return header, _PREFIX.size + length


# -- llama.cpp (the engine's thread) ----------------------------------------------------------


def capture(native: NativeModel, tokens: Sequence[int], key: SnapshotKey,
            conversation: str | None = None) -> Snapshot:
    """The cells of the sequence, which must hold `tokens` at positions 0..n-1.

    Only the last position is checked: a sliding-window cache (V4's) holds just the window's
    cells and reports its first position as later than 0, yet restores exactly."""
    n = len(tokens)
    first, last = native.positions()
    if n == 0 or last != n - 1 or not 0 <= first <= last:
        raise SnapshotError(f"the cache holds positions {first}..{last}, not 0..{n - 1}")
    blob = native.save_state()
    if blob is None:
        raise SnapshotError("llama.cpp could not serialize the cache")
    return Snapshot(key, tuple(tokens), blob, conversation)


def restore(native: NativeModel, snapshot: Snapshot, key: SnapshotKey, keep: int) -> int:
    """Replace the cache with `snapshot`'s first `keep` tokens; returns how many it holds.

    On `SnapshotError` the cache is empty (llama.cpp clears the sequence before it reads).
    """
    if snapshot.key != key:
        raise SnapshotError("the snapshot was made for another model or cache settings")
    n = len(snapshot.tokens)
    keep = max(0, min(keep, n))
    if n > native.capacity():
        raise SnapshotError(f"the snapshot holds {n} tokens, the context {native.capacity()}")
    if not native.load_state(snapshot.blob):
        raise SnapshotError("llama.cpp refused the snapshot")
    if native.positions()[1] != n - 1:
        native.forget_after(0)
        raise SnapshotError("the restored cache holds other positions")
    if keep < n and not native.forget_after(keep):
        raise SnapshotError("this cache cannot keep only the start of a snapshot")
    return keep


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
