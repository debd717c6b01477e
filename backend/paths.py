"""Where the app keeps its files: platformdirs' standard folders, or one folder for everything.

`app_paths()` is called once, where the app or a command starts (`--data-dir`, else
`$DEEPSEEK_LOCAL_HOME`, else the OS standard); everything else is handed the resulting `AppPaths`
and takes its files from it, so one profile never reads another's files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "DeepSeekLocal"
HOME_ENV = "DEEPSEEK_LOCAL_HOME"


@dataclass(frozen=True, slots=True)
class AppPaths:
    data: Path  # conversations, download manifests, partial downloads' state
    config: Path  # settings.json
    logs: Path
    cache: Path  # what can be rebuilt: KV-cache snapshots

    def ensure(self) -> AppPaths:
        for folder in (self.data, self.config, self.logs, self.cache):
            folder.mkdir(parents=True, exist_ok=True)
        return self

    # -- the files, one place for their names --------------------------------------------------

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"

    @property
    def conversations_db(self) -> Path:
        return self.data / "conversations.sqlite3"

    @property
    def connections_file(self) -> Path:
        return self.data / "connections.json"

    @property
    def manifest_file(self) -> Path:
        return self.data / "manifest.json"

    @property
    def library_folders_file(self) -> Path:
        return self.data / "library_folders.json"

    @property
    def downloads_file(self) -> Path:
        return self.data / "downloads.json"

    @property
    def kv_snapshots(self) -> Path:
        return self.cache / "kv-snapshots"


def app_paths(home: str | os.PathLike[str] | None = None) -> AppPaths:
    """The folders to use: `home` if given, else `$DEEPSEEK_LOCAL_HOME`, else the OS standard."""
    root = home or os.environ.get(HOME_ENV)
    if root:
        base = Path(root).expanduser().resolve()
        return AppPaths(base / "data", base / "config", base / "logs", base / "cache")
    import platformdirs

    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return AppPaths(
        Path(dirs.user_data_dir),
        Path(dirs.user_config_dir),
        Path(dirs.user_log_dir),
        Path(dirs.user_cache_dir),
    )
