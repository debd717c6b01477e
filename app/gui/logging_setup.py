"""The app's log: a rotating file in the logs folder, with secrets and home paths redacted.

`faulthandler` writes native crashes (a segfault inside llama.cpp, say) to `crash.log` beside it,
so even a crash Python cannot catch leaves a trace.
"""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import os
import re
from pathlib import Path
from typing import IO

LOG_NAME = "deepseek-local.log"
CRASH_NAME = "crash.log"

_TOKEN_RE = re.compile(r"\bhf_[A-Za-z0-9]{8,}")
_BEARER_RE = re.compile(r"(?i)(authorization:?\s*bearer\s+)\S+")
_KEY_RE = re.compile(r"\bsk-[A-Za-z0-9_-]{8,}")


class RedactingFilter(logging.Filter):
    """Masks Hugging Face tokens, API keys and bearer headers, and shortens the home folder to ~."""

    def __init__(self, home: str | None = None) -> None:
        super().__init__()
        self.home = home if home is not None else os.path.expanduser("~")

    def redact(self, text: str) -> str:
        text = _TOKEN_RE.sub("hf_***", text)
        text = _KEY_RE.sub("sk-***", text)
        text = _BEARER_RE.sub(r"\1***", text)
        if self.home and len(self.home) > 1:
            text = text.replace(self.home, "~")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


_crash_file: IO[str] | None = None


def setup_logging(logs: Path, *, level: int = logging.INFO) -> Path:
    """Log to `logs/deepseek-local.log` (rotated); return the log's path."""
    global _crash_file
    logs.mkdir(parents=True, exist_ok=True)
    path = logs / LOG_NAME
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=3,
                                                   encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.setLevel(level)
    root.addHandler(handler)
    # llama.cpp's chatter (one line per tensor) stays out unless debugging.
    logging.getLogger("llama.cpp").setLevel(max(level, logging.WARNING))
    if _crash_file is None:
        _crash_file = (logs / CRASH_NAME).open("a", encoding="utf-8")
        faulthandler.enable(_crash_file)
    return path
