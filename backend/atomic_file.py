"""Replacing a file all at once: readers, and a crash or a kill, see the old file or the new one,
never half of either (a temp file in the same folder, fsync, then `os.replace`)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path


def write_text_atomically(path: Path, text: str, *, private: bool = False) -> None:
    """Write `text` to `path`. `private` files (tokens, API keys) are mode 0600 from their first
    byte; others get the usual mode under the umask. Raises OSError; no temp file is left."""
    write_bytes_atomically(path, (text.encode("utf-8"),), private=private)


def write_bytes_atomically(path: Path, pieces: Iterable[bytes | bytearray | memoryview], *,
                           private: bool = False) -> None:
    """Write the concatenation of `pieces` to `path` (large files are written piece by piece,
    never joined in memory), with the same guarantees as `write_text_atomically`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o666)
    with ExitStack() as on_failure:
        on_failure.callback(tmp.unlink, missing_ok=True)  # unless it took the file's place
        with os.fdopen(fd, "wb") as f:
            for piece in pieces:
                f.write(piece)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        on_failure.pop_all()
