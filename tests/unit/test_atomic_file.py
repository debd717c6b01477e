"""Small files are replaced whole, with the right mode, and never leave a temp file behind."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from backend.atomic_file import write_text_atomically


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_private_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "settings.json"
    write_text_atomically(path, "{}", private=True)
    assert path.read_text(encoding="utf-8") == "{}"
    assert mode(path) == 0o600


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_other_files_get_the_usual_mode(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        path = tmp_path / "manifest.json"
        write_text_atomically(path, "old")
        write_text_atomically(path, "新的")
    finally:
        os.umask(umask)
    assert path.read_text(encoding="utf-8") == "新的"
    assert mode(path) == 0o644


def test_a_failed_replace_keeps_the_old_file_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "refs"
    target.mkdir()  # a folder where the file should go: os.replace fails
    (target / "keep").write_text("x")
    with pytest.raises(OSError):
        write_text_atomically(target, "abc")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["refs"]
    assert (target / "keep").read_text() == "x"
