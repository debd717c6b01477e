"""Logs never contain tokens, keys or the user's home folder."""

from __future__ import annotations

import logging
from pathlib import Path

from app.gui.logging_setup import RedactingFilter, setup_logging


def test_secrets_and_home_are_redacted() -> None:
    f = RedactingFilter(home="/home/alice")
    assert f.redact("token hf_AbCdEfGhIjKlMnOpQrStUv used") == "token hf_*** used"
    assert f.redact("key sk-1234567890abcdef ok") == "key sk-*** ok"
    assert f.redact("Authorization: Bearer abc.def.ghi") == "Authorization: Bearer ***"
    assert f.redact("loaded /home/alice/models/r1.gguf") == "loaded ~/models/r1.gguf"


def test_log_file_is_redacted(tmp_path: Path) -> None:
    path = setup_logging(tmp_path / "logs")
    logging.getLogger("test").warning("download with %s from %s", "hf_SecretSecretSecret123",
                                      str(Path.home() / "x.gguf"))
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert "hf_SecretSecretSecret123" not in text
    assert "hf_*** from ~" in text
    for handler in list(logging.getLogger().handlers):
        if getattr(handler, "baseFilename", "") == str(path):
            logging.getLogger().removeHandler(handler)
            handler.close()
