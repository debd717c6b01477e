"""One profile, one set of files: every file's place comes from the `AppPaths` the app or a
command started with, never from a store reading the environment itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend.paths import app_paths

ROOT = Path(__file__).resolve().parents[2]


def test_a_data_dir_holds_every_file_of_the_profile(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPSEEK_LOCAL_HOME", str(tmp_path / "elsewhere"))
    paths = app_paths(tmp_path / "profile")  # --data-dir wins over the environment
    assert paths.settings_file == tmp_path / "profile" / "config" / "settings.json"
    assert paths.conversations_db == tmp_path / "profile" / "data" / "conversations.sqlite3"
    assert paths.connections_file == tmp_path / "profile" / "data" / "connections.json"
    assert paths.manifest_file == tmp_path / "profile" / "data" / "manifest.json"
    assert paths.downloads_file == tmp_path / "profile" / "data" / "downloads.json"
    assert paths.library_folders_file == tmp_path / "profile" / "data" / "library_folders.json"
    assert paths.kv_snapshots == tmp_path / "profile" / "cache" / "kv-snapshots"
    assert app_paths().data == tmp_path / "elsewhere" / "data"


def test_only_entry_points_decide_where_the_profile_is() -> None:
    callers = sorted(
        str(path.relative_to(ROOT))
        for top in ("backend", "app", "ui")
        for path in (ROOT / top).rglob("*.py")
        if re.search(r"\bapp_paths\(", path.read_text(encoding="utf-8"))
        and path.name != "paths.py"
    )
    assert callers == ["app/cli/commands.py", "app/gui/launch.py"]
    launch = (ROOT / "app" / "gui" / "launch.py").read_text(encoding="utf-8")
    assert "os.environ[" not in launch  # --data-dir is passed on, not written into the environment
