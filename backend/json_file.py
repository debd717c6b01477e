"""The app's small JSON files (settings, connections, manifest, download queue, library folders):
one reader and writer with a schema version, and one policy for every way a file can be wrong.

- Missing: `read` gives None; the caller starts from its defaults.
- Unreadable, not JSON, not an object, or a version that is not a number: moved aside as
  `NAME.bad` (a log line says so), then None. The app starts, and nothing is deleted.
- Older: brought up to date by the caller's migrations, one version at a time.
- Newer (written by a later version of the app): a copy is kept as `NAME.vN` before anything
  else happens, then what this version knows is read. Writing later never loses the newer
  file's extra keys: they wait in the copy for the newer app.

Every file carries its version under the key "version" (files of the first release used
"schema"; they read as version 1).
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.atomic_file import write_text_atomically

log = logging.getLogger(__name__)

VERSION_KEY = "version"
_LEGACY_VERSION_KEY = "schema"

type Migration = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class JsonFile:
    path: Path
    version: int  # what this app writes
    # migrations[n] turns a version n + 1 document into version n + 2; append, never edit.
    migrations: Sequence[Migration] = ()
    private: bool = False  # mode 0600 from the first byte: the file holds a token or keys

    def read(self) -> dict[str, Any] | None:
        """The document at the current version, or None when there is none to use."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("%s is unreadable (%s); using the defaults", self.path, exc.strerror)
            return None
        try:
            document = json.loads(data.decode("utf-8"))
        except ValueError as exc:
            # Only the parser's complaint, never the text: it may hold a token or a key.
            self._set_aside(f"not JSON: {type(exc).__name__}")
            return None
        if not isinstance(document, dict):
            self._set_aside(f"a JSON {type(document).__name__}, not an object")
            return None
        version = document.pop(VERSION_KEY, document.pop(_LEGACY_VERSION_KEY, 1))
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            self._set_aside(f"version {version!r} is not a positive whole number")
            return None
        known: dict[str, Any] = document
        if version > self.version:
            self._keep_newer(version)
            return known
        for migrate in self.migrations[version - 1 : self.version - 1]:
            known = migrate(known)
        return known

    def write(self, document: dict[str, Any]) -> None:
        """Replace the file atomically with `document` at this app's version. Raises OSError."""
        text = json.dumps({VERSION_KEY: self.version, **document}, ensure_ascii=False, indent=2)
        write_text_atomically(self.path, text + "\n", private=self.private)

    def _set_aside(self, reason: str) -> None:
        bad = self.path.with_name(self.path.name + ".bad")
        log.warning("%s is damaged (%s); kept as %s, using the defaults",
                    self.path, reason, bad.name)
        try:
            self.path.replace(bad)
        except OSError as exc:
            log.warning("could not keep the damaged %s: %s", self.path.name, exc.strerror)

    def _keep_newer(self, version: int) -> None:
        copy = self.path.with_name(f"{self.path.name}.v{version}")
        log.warning("%s was written by a newer version of the app (version %d; this one "
                    "writes %d): reading what is known, the file is kept as %s",
                    self.path, version, self.version, copy.name)
        if not copy.exists():
            try:
                shutil.copy2(self.path, copy)
            except OSError as exc:
                log.warning("could not keep a copy of %s: %s", self.path.name, exc.strerror)
