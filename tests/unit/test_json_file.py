"""One policy for the app's small JSON files (`backend.json_file`), shown on a toy document."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

from backend.json_file import JsonFile


def add_colour(document: dict[str, object]) -> dict[str, object]:
    return {**document, "colour": "blue"}


def test_a_missing_file_is_none_and_a_written_one_round_trips(tmp_path: Path) -> None:
    file = JsonFile(tmp_path / "f.json", 2)
    assert file.read() is None
    file.write({"name": "x", "items": [1, 2]})
    assert json.loads(file.path.read_text()) == {"version": 2, "name": "x", "items": [1, 2]}
    assert file.read() == {"name": "x", "items": [1, 2]}


@pytest.mark.parametrize("content", [b"{oops", b"[1]", b"\xff\xfe", b'{"version": "two"}'])
def test_a_damaged_file_is_set_aside_never_deleted(tmp_path: Path, content: bytes,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    file = JsonFile(tmp_path / "f.json", 1)
    file.path.write_bytes(content)
    with caplog.at_level(logging.WARNING):
        assert file.read() is None
    assert not file.path.exists()
    assert (tmp_path / "f.json.bad").read_bytes() == content
    assert "is damaged" in caplog.text


def test_older_files_are_migrated_and_first_release_files_read_as_version_1(
        tmp_path: Path) -> None:
    file = JsonFile(tmp_path / "f.json", 2, migrations=[add_colour])
    file.path.write_text(json.dumps({"schema": 1, "name": "x"}))  # the first release's key
    assert file.read() == {"name": "x", "colour": "blue"}
    file.path.write_text(json.dumps({"version": 2, "name": "y"}))
    assert file.read() == {"name": "y"}  # current: no migration


def test_a_newer_file_is_kept_aside_before_it_can_be_rewritten(tmp_path: Path) -> None:
    file = JsonFile(tmp_path / "f.json", 1)
    newer = {"version": 3, "name": "x", "future": {"deep": True}}
    file.path.write_text(json.dumps(newer))
    assert file.read() == {"name": "x", "future": {"deep": True}}
    file.write({"name": "mine"})
    assert json.loads((tmp_path / "f.json.v3").read_text()) == newer
    file.path.write_text(json.dumps({**newer, "name": "later"}))
    file.read()  # a copy already kept is not overwritten
    assert json.loads((tmp_path / "f.json.v3").read_text()) == newer


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_private_files_are_0600_and_so_are_their_copies(tmp_path: Path) -> None:
    file = JsonFile(tmp_path / "keys.json", 1, private=True)
    file.write({"key": "sk-secret"})
    assert file.path.stat().st_mode & 0o777 == 0o600
    file.path.write_text(json.dumps({"version": 9, "key": "sk-secret"}))
    file.path.chmod(0o600)
    file.read()
    assert (tmp_path / "keys.json.v9").stat().st_mode & 0o777 == 0o600
