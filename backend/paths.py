"""Where the app keeps its files: platformdirs' standard folders, or one folder for everything.

`DEEPSEEK_LOCAL_HOME` (or `--data-dir`) puts data, config, logs and cache under a single folder:
portable installs use it, and tests use it to stay hermetic.
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
    cache: Path

    def ensure(self) -> AppPaths:
        for folder in (self.data, self.config, self.logs, self.cache):
            folder.mkdir(parents=True, exist_ok=True)
        return self


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
